import FedTwinAggregation
import FedTwinWire
import Testing

private let schema = ParameterSchema(tensors: [
    TensorSpec(name: "w", dtype: .f32, shape: [2, 2]),
    TensorSpec(name: "b", dtype: .f64, shape: [2]),
])
private let component = ComponentSpec(id: "test", schema: schema, aggregation: .mean)
private let base = ModelState(parameters: [
    Tensor(name: "w", shape: [2, 2], floats: [1, 2, 3, 4]),
    Tensor(name: "b", shape: [2], doubles: [0.5, -0.5]),
])

private func delta(_ w: [Float], _ b: [Double]) -> [Tensor] {
    [Tensor(name: "w", shape: [2, 2], floats: w), Tensor(name: "b", shape: [2], doubles: b)]
}

@Test func fedAvgWeightsBySamples() throws {
    var aggregator = try StreamingAggregator(component: component, strategy: FedAvg(), base: base)
    try aggregator.add(delta([1, 1, 1, 1], [1, 1]), samples: 30)
    try aggregator.add(delta([-1, 0, 2, 4], [0, -2]), samples: 10)
    let result = try aggregator.finish()
    // mean delta = (30·d1 + 10·d2) / 40
    let expectedW: [Float] = [1.5, 2.75, 4.25, 5.75]
    let expectedB: [Double] = [1.25, -0.25]
    #expect(result.parameters[0].values == .f32(expectedW))
    #expect(result.parameters[1].values == .f64(expectedB))
    #expect(aggregator.totalSamples == 40)
    #expect(result.optimizerState.isEmpty)
}

@Test func aggregationIsBitReproducibleInFixedOrder() throws {
    var rng = SplitMix(seed: 7)
    let updates = (0..<6).map { _ in
        (delta((0..<4).map { _ in Float(rng.gaussian() * 1e-3) }, (0..<2).map { _ in rng.gaussian() }), Int(rng.next() % 100) + 1)
    }
    func run() throws -> ModelState {
        var aggregator = try StreamingAggregator(component: component, strategy: FedAvg(), base: base)
        for (tensors, samples) in updates { try aggregator.add(tensors, samples: samples) }
        return try aggregator.finish()
    }
    let first = try run(), second = try run()
    #expect(SafeTensors.contentID(first.parameters) == SafeTensors.contentID(second.parameters))
}

@Test func fedAdamTakesOneAdamStep() throws {
    let strategy = FedAdam(learningRate: 0.1, beta1: 0.9, beta2: 0.99, tau: 1e-3)
    var aggregator = try StreamingAggregator(component: component, strategy: strategy, base: base)
    try aggregator.add(delta([0.2, 0, -0.2, 0.4], [1, 0]), samples: 5)
    let result = try aggregator.finish()
    // First step from zero moments: m = 0.1Δ, v = 0.01Δ², step = m/(√v+τ) = 0.1Δ/(0.1|Δ|+τ).
    let d = Double(Float(0.2))
    let step: Double = 0.1 * d / (0.1 * d + 1e-3)
    let expected = Float(1.0 + 0.1 * step)
    if case .f32(let w) = result.parameters[0].values {
        #expect(w[0] == expected)
        #expect(w[1] == 2) // zero delta leaves the parameter unchanged
    } else {
        Issue.record("w lost its dtype")
    }
    #expect(result.optimizerState.map(\.name) == ["adam.m.w", "adam.v.w", "adam.m.b", "adam.v.b"])
    // A second round continues from the stored moments rather than from zero.
    var next = try StreamingAggregator(component: component, strategy: strategy, base: result)
    try next.add(delta([0.2, 0, -0.2, 0.4], [1, 0]), samples: 5)
    let second = try next.finish()
    let expectedM: Double = 0.9 * 0.1 * d + 0.1 * d
    if case .f64(let m) = second.optimizerState[0].values { #expect(abs(m[0] - expectedM) < 1e-12) }
}

@Test func sumKindAddsStatisticsUnweighted() throws {
    let sumComponent = ComponentSpec(id: "stats", schema: schema, aggregation: .sum)
    var aggregator = try StreamingAggregator(component: sumComponent, strategy: FedAvg(), base: base)
    try aggregator.add(delta([1, 2, 3, 4], [10, 20]), samples: 3)
    try aggregator.add(delta([1, 1, 1, 1], [1, 2]), samples: 100)
    let result = try aggregator.finish()
    #expect(result.parameters[0].values == .f32([2, 3, 4, 5]))
    #expect(result.parameters[1].values == .f64([11, 22]))
}

@Test func schemaMismatchIsRefused() throws {
    var aggregator = try StreamingAggregator(component: component, strategy: FedAvg(), base: base)
    let wrongShape = [Tensor(name: "w", shape: [4], floats: [0, 0, 0, 0]), Tensor(name: "b", shape: [2], doubles: [0, 0])]
    #expect(throws: SchemaMismatch.self) { try aggregator.add(wrongShape, samples: 1) }
    let wrongName = [Tensor(name: "x", shape: [2, 2], floats: [0, 0, 0, 0]), Tensor(name: "b", shape: [2], doubles: [0, 0])]
    #expect(throws: SchemaMismatch.self) { try aggregator.add(wrongName, samples: 1) }
    #expect(throws: StrategyError.self) { try aggregator.finish() }
}

@Test func strategyConfigBuildsAndRejects() throws {
    #expect(try StrategyConfig(name: "FedAvg").makeStrategy().config.name == "fedavg")
    #expect(try StrategyConfig(name: "fedprox", settings: ["mu": 0.1]).makeStrategy().proximalMu == 0.1)
    #expect(throws: StrategyError.self) { try StrategyConfig(name: "fedsgd").makeStrategy() }
    #expect(throws: StrategyError.self) { try StrategyConfig(name: "fedadam", settings: ["beta1": 1.5]).makeStrategy() }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func gaussian() -> Double {
        let u1 = max(Double(next() >> 11) / Double(1 << 53), 1e-300), u2 = Double(next() >> 11) / Double(1 << 53)
        return (-2 * _log(u1)).squareRoot() * _cos(2 * .pi * u2)
    }
}

import Foundation
private func _log(_ x: Double) -> Double { Foundation.log(x) }
private func _cos(_ x: Double) -> Double { Foundation.cos(x) }
