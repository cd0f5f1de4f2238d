import FedTwinAggregation
import FedTwinRegistry
import FedTwinWire
import Testing

@Suite("Replay")
struct ReplayTests {
    @Test(arguments: [
        StrategyConfig(name: "fedavg"),
        StrategyConfig(name: "fedprox", settings: ["mu": 0.1]),
        StrategyConfig(name: "fedadam", settings: ["lr": 0.05, "beta1": 0.9, "beta2": 0.99, "tau": 1e-3]),
        StrategyConfig(name: "fedyogi", settings: ["lr": 0.05]),
        StrategyConfig(name: "fedadagrad", settings: ["lr": 0.05, "beta1": 0.5]),
        StrategyConfig(name: "fedavgm", settings: ["momentum": 0.8]),
        StrategyConfig(name: "fedyogi", settings: ["lr": 0.05], combiner: "median"),
    ])
    func replayReproducesEveryVersionBitForBit(strategy: StrategyConfig) throws {
        let store = try TestStore(strategy: strategy, rounds: 3)
        let report = store.registry.verify(replay: true)
        #expect(report.passed, "\(report.failureLines)")
        let replays = report.checks.filter { $0.subject.hasSuffix(" replay") }
        #expect(replays.map(\.subject) == ["version 1 replay", "version 2 replay", "version 3 replay"])

        // The same computation done here, outside verify: identical parameter (and optimiser) bytes.
        for number in 1...3 {
            let version = try store.registry.version(number)
            let parent = try store.registry.version(number - 1)
            let pending = try version.manifest.contributions.map {
                PendingContribution(site: try #require(try store.registry.site(fingerprint: $0.fingerprint)), frameID: $0.update)
            }
            let outcome = try store.registry.aggregate(parent: parent, strategy: try version.manifest.strategy.makeStrategy(), updates: pending)
            #expect(SafeTensors.encode(outcome.state.parameters) == (try store.registry.object(version.manifest.parameters)))
            #expect(outcome.contributions == version.manifest.contributions)
            #expect(outcome.metrics == version.manifest.metrics)
            if ["fedadam", "fedyogi", "fedadagrad", "fedavgm"].contains(strategy.name) {
                let optimizer = try #require(version.manifest.optimizerState)
                #expect(SafeTensors.encode(outcome.state.optimizerState) == (try store.registry.object(optimizer)))
            } else {
                #expect(version.manifest.optimizerState == nil)
            }
        }
        // The model moved: the last version's parameters differ from the initial ones.
        #expect(try store.registry.state(of: try store.registry.latestVersion()).parameters != TestStore.initialParameters)
    }

    @Test func aSignedVersionWhoseParametersAreNotTheAggregationFailsReplay() throws {
        let store = try TestStore(rounds: 1, evaluate: false)
        let parent = try store.registry.latestVersion()
        let pending = try store.storeUpdates(parent: parent, round: 2)
        var manifest = try store.nextManifest(parent: parent, round: 2, pending: pending)
        // The coordinator signs parameters that are not what the updates aggregate to.
        var forged = try store.registry.state(of: parent).parameters
        forged[1] = Tensor(name: "b", shape: [2], floats: [9, 9])
        manifest.parameters = try store.registry.putObject(SafeTensors.encode(forged))
        _ = try store.registry.commit(manifest, signer: store.coordinator)

        let plain = store.registry.verify(replay: false)
        #expect(plain.passed, "\(plain.failureLines)")
        let replayed = store.registry.verify(replay: true)
        #expect(replayed.failures.map(\.subject) == ["version 2 replay"])
        #expect(replayed.failures.first?.detail.contains("versions/000002.json") == true)
        #expect(replayed.failures.first?.detail.contains("replayed parameters hash") == true)
    }

    @Test func verifyingOneVersionOnlyChecksThatVersion() throws {
        let store = try TestStore(rounds: 2)
        let report = store.registry.verify(versions: [2], replay: true)
        #expect(report.passed, "\(report.failureLines)")
        #expect(!report.checks.contains { $0.subject.hasPrefix("version 1 ") })
        #expect(report.checks.contains { $0.subject == "version 2 replay" })
        let missing = store.registry.verify(versions: [7], replay: false)
        #expect(missing.failures.map(\.subject) == ["version 7"])
    }
}
