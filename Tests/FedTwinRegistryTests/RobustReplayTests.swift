import FedTwinAggregation
import FedTwinRegistry
import FedTwinWire
import Testing

@Suite("Replay with robust combiners and clipping")
struct RobustReplayTests {
    // TestStore's deltas are ±0.05 per element over 8 elements (norm ≈ 0.08), so a clip of
    // 0.05 binds for every site. Three sites: Krum can tolerate f = 0 only.
    @Test(arguments: [
        StrategyConfig(name: "fedavg", settings: ["clip": 0.05], combiner: "median"),
        StrategyConfig(name: "fedadam", settings: ["lr": 0.05, "clip": 0.05, "trim": 0.34], combiner: "trimmed-mean"),
        StrategyConfig(name: "fedprox", settings: ["mu": 0.1, "clip": 0.05, "byzantine": 0], combiner: "krum"),
        StrategyConfig(name: "fedavg", settings: ["byzantine": 0, "select": 2], combiner: "multi-krum"),
        StrategyConfig(name: "fedavg", settings: ["clip": 0.05]),
    ])
    func replayReproducesRobustVersionsBitForBit(strategy: StrategyConfig) throws {
        let store = try TestStore(strategy: strategy, rounds: 3)
        let report = store.registry.verify(replay: true)
        #expect(report.passed, "\(report.failureLines)")
        #expect(report.checks.filter { $0.subject.hasSuffix(" replay") }.count == 3)

        let latest = try store.registry.latestVersion()
        // The manifest records the combiner and its settings, defaults filled in.
        let recorded = latest.manifest.strategy
        #expect(recorded.combiner == strategy.combiner)
        #expect(recorded == (try strategy.makeStrategy().config))
        for (key, value) in strategy.settings { #expect(recorded.settings[key] == value) }

        // The combiner was really used: the plain FedAvg mean of the same updates differs.
        let parent = try store.registry.version(latest.number - 1)
        let pending = try latest.manifest.contributions.map {
            PendingContribution(site: try #require(try store.registry.site(fingerprint: $0.fingerprint)), frameID: $0.update)
        }
        let robust = try store.registry.aggregate(parent: parent, strategy: try recorded.makeStrategy(), updates: pending)
        #expect(SafeTensors.encode(robust.state.parameters) == (try store.registry.object(latest.manifest.parameters)))
        let plain = try store.registry.aggregate(parent: parent, strategy: try StrategyConfig(name: strategy.name, settings: strategy.settings.filter { ["mu", "lr"].contains($0.key) }).makeStrategy(),
                                                 updates: pending)
        #expect(plain.state.parameters != robust.state.parameters)
    }

    @Test func replayUsesTheRecordedCombinerNotTheMean() throws {
        // A version whose manifest claims the mean but whose parameters are the median fails replay.
        let store = try TestStore(rounds: 1, evaluate: false)
        let parent = try store.registry.latestVersion()
        let pending = try store.storeUpdates(parent: parent, round: 2)
        var manifest = try store.nextManifest(parent: parent, round: 2, pending: pending)
        let median = try store.registry.aggregate(parent: parent, strategy: try StrategyConfig(name: "fedavg", combiner: "median").makeStrategy(),
                                                  updates: pending)
        manifest.parameters = try store.registry.putObject(SafeTensors.encode(median.state.parameters))
        _ = try store.registry.commit(manifest, signer: store.coordinator)
        let replayed = store.registry.verify(replay: true)
        #expect(replayed.failures.map(\.subject) == ["version 2 replay"])
    }
}
