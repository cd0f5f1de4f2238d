import FedTwinAggregation
import FedTwinCoordinator
import FedTwinRegistry
import FedTwinWire
import Foundation
import Logging
import Testing

/// A coordinator configured with raised limits records the limits its rounds parsed with,
/// so the store it writes passes its own `verify --replay`.
@Suite struct RecordedLimitsRoundTests {
    @Test(.timeLimit(.minutes(2)))
    func aRoundWithRaisedLimitsRecordsThemAndReplays() async throws {
        // More tensors than the wire default admits (4096), one value each.
        let count = PayloadLimits.default.maxTensors + 4
        let schema = ParameterSchema(tensors: (0..<count).map { TensorSpec(name: "t\($0)", dtype: .f32, shape: [1]) })
        let coordinatorKey = try SigningKey.generate()
        let registry = try Registry.create(storage: InMemoryStorage(), component: ComponentSpec(id: "many", schema: schema, aggregation: .mean),
                                           initialParameters: schema.tensors.map { Tensor(name: $0.name, shape: [1], floats: [1]) },
                                           signer: coordinatorKey, software: "test")
        var config = CoordinatorConfiguration()
        config.rounds = 1
        config.minSites = 2
        config.roundDeadlineSeconds = 60
        config.evaluationDeadlineSeconds = 0
        config.insecure = true
        config.maxTensors = count + 100
        var sites: [ScriptedSite] = []
        for (name, delta) in [("site-a", Float(0.5)), ("site-b", 0.25)] {
            let key = try SigningKey.generate()
            try registry.enroll(name: name, key: key.publicKey, signer: coordinatorKey)
            var site = ScriptedSite(name: name, key: key, delta: delta, samples: 1)
            site.limits = config.frameLimits
            sites.append(site)
        }
        let coordinator = try Coordinator(registry: registry, key: coordinatorKey, config: config, logger: Logger(label: "test"))
        #expect(try await runFederation(coordinator, sites: sites).isEmpty)

        let manifest = try registry.version(1).manifest
        #expect(manifest.contributions.count == 2)
        let recorded = try #require(manifest.limits)
        #expect(recorded.maxTensors == count + 100)
        #expect(recorded.maxHeaderLength == config.frameLimits.maxHeaderLength)
        let report = registry.verify(replay: true)
        #expect(report.passed, "\(report.failures.map { "\($0.subject): \($0.detail)" })")
        #expect(report.checks.contains { $0.subject == "version 1 replay" && $0.ok })
        // Version 0 was not made by a round: no record, the defaults.
        #expect(try registry.version(0).manifest.limits == nil)
    }
}
