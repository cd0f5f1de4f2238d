import FedTwinAggregation
import FedTwinCoordinator
import FedTwinRegistry
import FedTwinWire
import Logging
import Testing

/// The server optimisers as the coordinator runs them: configured like FedAdam, recorded
/// (with defaults filled in) in every manifest, their state stored with each version, and
/// `verify --replay` reproducing every version bit for bit.
@Suite(.timeLimit(.minutes(1)))
struct ServerOptimizerRoundTests {
    @Test(arguments: [
        StrategyConfig(name: "fedyogi", settings: ["lr": 0.5]),
        StrategyConfig(name: "fedadagrad", settings: ["lr": 0.5]),
        StrategyConfig(name: "fedavgm", settings: ["momentum": 0.5]),
    ])
    func roundsCommitWithTheOptimiserAndReplay(strategy: StrategyConfig) async throws {
        var (registry, coordinatorKey, sites, config) = try makeFederation(rounds: 3)
        config.strategy = strategy
        try config.validate()
        let coordinator = try Coordinator(registry: registry, key: coordinatorKey, config: config, logger: Logger(label: "test"))
        let rejects = try await runFederation(coordinator, sites: sites)
        #expect(rejects.isEmpty)
        let expected = try strategy.makeStrategy().config
        for number in 1...3 {
            let manifest = try registry.version(number).manifest
            #expect(manifest.strategy == expected)
            #expect(manifest.optimizerState != nil)
        }
        #expect(try registry.state(of: try registry.latestVersion()).optimizerState.count == (strategy.name == "fedavgm" ? 1 : 2))
        let report = registry.verify(replay: true)
        #expect(report.passed, "\(report.failures.map(\.detail))")
        #expect(report.checks.filter { $0.subject.hasSuffix(" replay") }.count == 3)
    }

    @Test func theOptimisersSettingsAreCheckedWhenTheConfigurationIsRead() throws {
        try ConfigurationFile.expectRefused(#"{"strategy": {"name": "fedyogi", "settings": {"momentum": 0.9}}}"#, key: "strategy.settings.momentum")
        try ConfigurationFile.expectRefused(#"{"strategy": {"name": "fedavgm", "settings": {"momentum": 1.5}}}"#, key: "strategy")
        #expect(try ConfigurationFile.load(#"{"strategy": {"name": "fedadagrad", "settings": {"lr": 0.2, "tau": 1e-6}}}"#).strategy.settings == ["lr": 0.2, "tau": 1e-6])
    }
}
