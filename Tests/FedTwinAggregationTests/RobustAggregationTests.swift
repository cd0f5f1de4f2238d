import FedTwinAggregation
import FedTwinWire
import Foundation
import Testing

// One f64 tensor of `count` values, so hand-computed expectations are exact.
private func component(_ count: Int, aggregation: AggregationKind = .mean) -> ComponentSpec {
    ComponentSpec(id: "robust-test", schema: ParameterSchema(tensors: [TensorSpec(name: "x", dtype: .f64, shape: [count])]),
                  aggregation: aggregation)
}

private func zeros(_ count: Int) -> ModelState {
    ModelState(parameters: [Tensor(name: "x", shape: [count], doubles: [Double](repeating: 0, count: count))])
}

/// Aggregates `deltas` (equal samples unless given) on a zero base with `config`; with a
/// FedAvg/FedProx server the result is the combined delta itself.
private func combine(_ deltas: [[Double]], _ config: StrategyConfig, samples: [Int]? = nil) throws -> [Double] {
    let state = try aggregate(deltas, config, samples: samples)
    guard case .f64(let values) = state.parameters[0].values else { throw StrategyError(strategy: "test", detail: "dtype") }
    return values
}

private func aggregate(_ deltas: [[Double]], _ config: StrategyConfig, samples: [Int]? = nil) throws -> ModelState {
    let count = deltas[0].count
    var aggregator = try StreamingAggregator(component: component(count), strategy: try config.makeStrategy(), base: zeros(count))
    for (index, delta) in deltas.enumerated() {
        try aggregator.add([Tensor(name: "x", shape: [count], doubles: delta)], samples: samples?[index] ?? 10)
    }
    return try aggregator.finish()
}

private func fedavg(_ combiner: String, _ settings: [String: Double] = [:]) -> StrategyConfig {
    StrategyConfig(name: "fedavg", settings: settings, combiner: combiner)
}

private func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }
private func distance(_ a: [Double], _ b: [Double]) -> Double { norm(zip(a, b).map { $0 - $1 }) }

@Suite("Robust combiners: hand-computed cases")
struct RobustCombinerCases {
    @Test func medianOfAnOddAndAnEvenNumberOfSites() throws {
        let three: [[Double]] = [[1, 5, -2], [3, 4, 0], [2, 100, 1]]
        #expect(try combine(three, fedavg("median")) == [2, 5, 0])
        // Even: the mean of the two middle values.
        #expect(try combine(three + [[10, 0, 0]], fedavg("median")) == [2.5, 4.5, 0])
        // Sample counts do not weight a robust combiner.
        #expect(try combine(three, fedavg("median"), samples: [1, 1, 1000]) == [2, 5, 0])
    }

    @Test func trimmedMeanDropsTheExtremesOfEachCoordinate() throws {
        let five: [[Double]] = [[1, -7], [2, 0], [3, 1], [4, 2], [100, 3]]
        // β = 0.2 of 5 → one value from each side: (2 + 3 + 4) / 3 = 3, (0 + 1 + 2) / 3 = 1.
        #expect(try combine(five, fedavg("trimmed-mean", ["trim": 0.2])) == [3, 1])
        // β = 0 is the unweighted mean; β = 0.4 trims two from each side (the median).
        #expect(try combine(five, fedavg("trimmed-mean", ["trim": 0])) == [22, -0.2])
        #expect(try combine(five, fedavg("trimmed-mean", ["trim": 0.4])) == [3, 1])
        // The default β is 0.2.
        #expect(try combine(five, fedavg("trimmed-mean")) == [3, 1])
    }

    @Test func krumScoresSumTheNearestSquaredDistances() throws {
        // f = 0 → n − f − 2 = 1 nearest neighbour. d01 = 25, d02 = 1, d12 = 18.
        #expect(RobustCombiners.krumScores([[0, 0], [3, 4], [0, 1]], byzantine: 0) == [1, 18, 1])
        // n = 5, f = 1 → 2 nearest: scores 1+4, 1+1, 1+1, 1+4, 97²+98².
        let five: [[Double]] = [[0], [1], [2], [3], [100]]
        #expect(RobustCombiners.krumScores(five, byzantine: 1) == [5, 2, 2, 5, 19013])
        // Krum: the best score; the tie between sites 1 and 2 goes to the earlier one.
        #expect(try combine(five, fedavg("krum", ["byzantine": 1])) == [1])
        // Multi-Krum, m = 3: sites 1, 2 and (tie at 5 → earlier) 0 → mean 1.
        #expect(try combine(five, fedavg("multi-krum", ["byzantine": 1, "select": 3])) == [1])
        // Default m = n − f = 4: sites 0…3 → 1.5.
        #expect(try combine(five, fedavg("multi-krum", ["byzantine": 1])) == [1.5])
    }

    @Test func krumNeedsTwoFPlusThreeContributions() throws {
        let four: [[Double]] = [[0], [1], [2], [3]]
        #expect(throws: StrategyError.self) { try combine(four, fedavg("krum", ["byzantine": 1])) }
        #expect(try combine(four, fedavg("krum", ["byzantine": 0])) == [1])
        // Multi-Krum cannot average more than n − f.
        #expect(throws: StrategyError.self) { try combine(four + [[4]], fedavg("multi-krum", ["byzantine": 1, "select": 5])) }
    }

    @Test func serverStepAppliesToTheCombinedDelta() throws {
        // FedAdam's first step on the median delta equals its first step on that delta alone.
        let deltas: [[Double]] = [[0.2, -1], [0.4, 0], [10, 3]]
        let robust = try aggregate(deltas, StrategyConfig(name: "fedadam", settings: ["lr": 0.1], combiner: "median"))
        let direct = try aggregate([[0.4, 0]], StrategyConfig(name: "fedadam", settings: ["lr": 0.1]))
        #expect(robust.parameters == direct.parameters)
        #expect(robust.optimizerState == direct.optimizerState)
    }
}

@Suite("Update-norm clipping")
struct ClippingTests {
    @Test func clippingScalesADeltaToTheBound() throws {
        // [3, 4] has norm 5 → [0.6, 0.8]; [0.3, 0.4] (norm 0.5) is within the bound.
        let mean = try combine([[3, 4], [0.3, 0.4]], fedavg("mean", ["clip": 1]))
        #expect(abs(mean[0] - 0.45) < 1e-15 && abs(mean[1] - 0.6) < 1e-15)
        let single = try combine([[3, 4]], fedavg("mean", ["clip": 1]))
        #expect(norm(single) <= 1 + 1e-12)
        #expect(abs(single[0] - 0.6) < 1e-15)
    }

    @Test(arguments: ["mean", "median", "trimmed-mean", "krum", "multi-krum"])
    func everyCombinedDeltaIsBoundedByTheClip(combiner: String) throws {
        var rng = SplitMix(seed: 11)
        let deltas = (0..<5).map { i in (0..<16).map { _ in rng.gaussian() * Double(i + 1) } }
        let settings: [String: Double] = combiner.contains("krum") ? ["clip": 0.5, "byzantine": 1] : ["clip": 0.5]
        let combined = try combine(deltas, fedavg(combiner, settings))
        // Each clipped delta has norm ≤ C; a mean or a coordinate-wise order statistic of
        // them stays within the ball's bounding box, Krum picks one of them.
        if combiner == "krum" || combiner == "mean" || combiner == "multi-krum" {
            #expect(norm(combined) <= 0.5 * (1 + 1e-12))
        }
        #expect(combined.allSatisfy { abs($0) <= 0.5 * (1 + 1e-12) })
        #expect(norm(combined) > 0)
    }

    @Test func l2NormCoversEveryTensorAndSurvivesOverflow() {
        let tensors = [Tensor(name: "a", shape: [2], floats: [3, 0]), Tensor(name: "b", shape: [1], doubles: [4])]
        #expect(DeltaCombination.l2Norm(tensors) == 5)
        let huge = [Tensor(name: "a", shape: [2], doubles: [3e200, 4e200])]
        #expect(abs(DeltaCombination.l2Norm(huge) / 5e200 - 1) < 1e-15)
    }

    @Test func aClipThatNeverBindsLeavesTheMeanBitIdentical() throws {
        var rng = SplitMix(seed: 3)
        let deltas = (0..<4).map { _ in (0..<32).map { _ in rng.gaussian() * 1e-2 } }
        let plain = try aggregate(deltas, fedavg("mean"), samples: [3, 7, 11, 13])
        let clipped = try aggregate(deltas, fedavg("mean", ["clip": 1e9]), samples: [3, 7, 11, 13])
        #expect(SafeTensors.contentID(plain.parameters) == SafeTensors.contentID(clipped.parameters))
    }
}

@Suite("Robustness against one malicious site")
struct MaliciousSiteTests {
    /// Five honest deltas around a common direction; site index 2 is replaced by an attack.
    static func deltas(attack: (@Sendable ([Double]) -> [Double])?) -> (clean: [[Double]], submitted: [[Double]]) {
        var rng = SplitMix(seed: 42)
        let direction = (0..<20).map { _ in 1 + 0.5 * rng.gaussian() }
        let clean = (0..<5).map { _ in direction.map { $0 + 0.05 * rng.gaussian() } }
        var submitted = clean
        if let attack { submitted[2] = attack(clean[2]) }
        return (clean, submitted)
    }

    static let attacks: [(String, @Sendable ([Double]) -> [Double])] = [
        ("scale ×100", { $0.map { $0 * 100 } }),
        ("sign-flip", { $0.map { -$0 } }),
    ]

    @Test(arguments: ["median", "trimmed-mean", "krum", "multi-krum"], [0, 1])
    func robustCombinersResistWhileTheMeanIsPulledAway(combiner: String, attackIndex: Int) throws {
        let (name, attack) = Self.attacks[attackIndex]
        let (clean, submitted) = Self.deltas(attack: attack)
        let reference = try combine(clean, fedavg("mean"))
        let scale = norm(reference)
        let plain = try combine(submitted, fedavg("mean"))
        let settings: [String: Double] = combiner.contains("krum") ? ["byzantine": 1] : [:]
        let robust = try combine(submitted, fedavg(combiner, settings))
        let pulled = distance(plain, reference) / scale
        let held = distance(robust, reference) / scale
        #expect(pulled > 0.35, "\(name): the plain mean should be pulled away (relative distance \(pulled))")
        #expect(held < 0.1, "\(name): \(combiner) should stay near the clean mean (relative distance \(held))")
        #expect(held < pulled / 3)
    }

    @Test func clippingBoundsTheScaledAttackOnThePlainMean() throws {
        let (clean, submitted) = Self.deltas(attack: { $0.map { $0 * 100 } })
        let reference = try combine(clean, fedavg("mean"))
        let bound = 1.5 * clean.map(norm).max()!
        let plain = try combine(submitted, fedavg("mean"))
        let clipped = try combine(submitted, fedavg("mean", ["clip": bound]))
        #expect(distance(clipped, reference) < distance(plain, reference) / 50)
        #expect(distance(clipped, reference) / norm(reference) < 0.15)
    }
}

@Suite("Robust aggregation: determinism and configuration")
struct RobustConfigTests {
    @Test(arguments: ["median", "trimmed-mean", "krum", "multi-krum"])
    func sameInputsGiveBitIdenticalOutput(combiner: String) throws {
        var rng = SplitMix(seed: 9)
        let deltas = (0..<7).map { _ in (0..<64).map { _ in rng.gaussian() * 1e-2 } }
        var settings: [String: Double] = ["clip": 0.05, "lr": 0.05]
        if combiner.contains("krum") { settings["byzantine"] = 2 }
        let config = StrategyConfig(name: "fedadam", settings: settings, combiner: combiner)
        let first = try aggregate(deltas, config), second = try aggregate(deltas, config)
        #expect(SafeTensors.encode(first.parameters) == SafeTensors.encode(second.parameters))
        #expect(SafeTensors.encode(first.optimizerState) == SafeTensors.encode(second.optimizerState))
    }

    @Test func manifestsWithoutACombinerDecodeAsTheMean() throws {
        let old = Data(#"{"name": "fedprox", "settings": {"mu": 0.1}}"#.utf8)
        let decoded = try JSONDecoder().decode(StrategyConfig.self, from: old)
        #expect(decoded == StrategyConfig(name: "fedprox", settings: ["mu": 0.1]))
        #expect(decoded.combiner == "mean")
        // A plain-mean config encodes exactly as before (no combiner field) …
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        #expect(String(decoding: try encoder.encode(decoded), as: UTF8.self) == #"{"name":"fedprox","settings":{"mu":0.1}}"#)
        #expect(try StrategyConfig(name: "fedavg").makeStrategy() is FedAvg)
        // … and a robust one round-trips.
        let robust = StrategyConfig(name: "fedavg", settings: ["clip": 2], combiner: "median")
        #expect(try JSONDecoder().decode(StrategyConfig.self, from: try encoder.encode(robust)) == robust)
    }

    @Test func theRecordedConfigCarriesTheCombinerAndItsDefaults() throws {
        let strategy = try StrategyConfig(name: "fedprox", settings: ["mu": 0.2, "clip": 3], combiner: "Trimmed-Mean").makeStrategy()
        #expect(strategy.proximalMu == 0.2)
        #expect(strategy.combination.combiner == .trimmedMean)
        #expect(strategy.config == StrategyConfig(name: "fedprox", settings: ["mu": 0.2, "clip": 3, "trim": 0.2], combiner: "trimmed-mean"))
        // Rebuilding from the recorded config gives the same strategy (what replay does).
        #expect(try strategy.config.makeStrategy().config == strategy.config)
        let krum = try StrategyConfig(name: "fedavg", combiner: "multi-krum").makeStrategy()
        #expect(krum.config.settings == ["byzantine": 1])
        #expect(try StrategyConfig(name: "fedavg", settings: ["clip": 1]).makeStrategy().config.settings == ["clip": 1])
    }

    @Test(arguments: [
        (StrategyConfig(name: "fedavg", combiner: "mode"), "combiner"),
        (StrategyConfig(name: "fedavg", settings: ["clip": 0], combiner: "median"), "settings.clip"),
        (StrategyConfig(name: "fedavg", settings: ["clip": .infinity]), "settings.clip"),
        (StrategyConfig(name: "fedavg", settings: ["trim": 0.5], combiner: "trimmed-mean"), "settings.trim"),
        (StrategyConfig(name: "fedavg", settings: ["trim": 0.1], combiner: "median"), "settings.trim"),
        (StrategyConfig(name: "fedavg", settings: ["byzantine": 1.5], combiner: "krum"), "settings.byzantine"),
        (StrategyConfig(name: "fedavg", settings: ["byzantine": -1], combiner: "krum"), "settings.byzantine"),
        (StrategyConfig(name: "fedavg", settings: ["select": 2], combiner: "krum"), "settings.select"),
        (StrategyConfig(name: "fedavg", settings: ["select": 0], combiner: "multi-krum"), "settings.select"),
    ])
    func badSettingsAreRefusedNamingTheSetting(config: StrategyConfig, setting: String) throws {
        do {
            _ = try config.makeStrategy()
            Issue.record("\(config) was accepted")
        } catch let error as StrategyError {
            #expect(error.setting == setting, "\(error)")
        }
    }

    @Test func statisticsComponentsRefuseCombinersAndClipping() throws {
        for config in [fedavg("median"), fedavg("mean", ["clip": 1])] {
            #expect(throws: StrategyError.self) {
                try StreamingAggregator(component: component(2, aggregation: .sum), strategy: try config.makeStrategy(), base: zeros(2))
            }
        }
        _ = try StreamingAggregator(component: component(2, aggregation: .sum), strategy: try fedavg("mean").makeStrategy(), base: zeros(2))
    }
}
