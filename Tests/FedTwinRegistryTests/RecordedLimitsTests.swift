import FedTwinAggregation
import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

/// A round run with raised frame limits records them in its manifest, and replay parses the
/// stored updates with them; manifests without the record mean the wire defaults.
@Suite("Recorded frame limits")
struct RecordedLimitsTests {
    /// More tensors than `PayloadLimits.default` admits (4096), one value each.
    static let tensorCount = PayloadLimits.default.maxTensors + 4
    static let schema = ParameterSchema(tensors: (0..<tensorCount).map { TensorSpec(name: "t\($0)", dtype: .f32, shape: [1]) })
    static var raised: FrameLimits {
        var limits = FrameLimits.default
        limits.payload.maxTensors = tensorCount + 10
        return limits
    }

    /// A store whose version 1 aggregates two updates that only `raised` admits, committed
    /// with `recorded` in its manifest.
    static func store(recording recorded: RoundLimits?) throws -> (InMemoryStorage, Registry) {
        let storage = InMemoryStorage()
        let coordinator = try SigningKey.generate()
        let component = ComponentSpec(id: "many-tensors", schema: schema, aggregation: .mean)
        let registry = try Registry.create(storage: storage, component: component,
                                           initialParameters: schema.tensors.map { Tensor(name: $0.name, shape: [1], floats: [1]) },
                                           signer: coordinator, software: "fedtwin-tests")
        let parent = try registry.latestVersion()
        let codec = MessageCodec(limits: raised)
        var pending: [PendingContribution] = []
        for (index, name) in ["site-a", "site-b"].enumerated() {
            let key = try SigningKey.generate()
            try registry.enroll(name: name, key: key.publicKey, signer: coordinator)
            let deltas = schema.tensors.map { Tensor(name: $0.name, shape: [1], floats: [Float(index + 1) * 0.125]) }
            let envelope = Envelope(sender: key.publicKey.fingerprint, session: "s-\(name)", challenge: "c", round: 1, seq: 1)
            let frame = try codec.encode(.update(Update(baseVersionID: parent.id, samples: 10, metrics: ["loss": 0.5])),
                                         envelope: envelope, tensors: deltas,
                                         options: PayloadOptions(encoding: .f32, compressionLevel: nil, delta: parent.id), signer: key)
            pending.append(PendingContribution(site: try #require(try registry.site(named: name)), frameID: try registry.putObject(frame)))
        }
        let strategy = try StrategyConfig(name: "fedavg").makeStrategy()
        let outcome = try registry.aggregate(parent: parent, strategy: strategy, updates: pending, limits: raised)
        let manifest = VersionManifest(
            version: 1, parent: 0, parentID: parent.id, component: component, round: 1, strategy: strategy.config,
            parameters: try registry.putObject(SafeTensors.encode(outcome.state.parameters)), optimizerState: nil,
            contributions: outcome.contributions, totalSamples: outcome.totalSamples, metrics: outcome.metrics,
            software: "fedtwin-tests", createdAt: "2026-12-03T00:00:00.000Z", auditHead: try registry.auditHead(),
            coordinator: coordinator.publicKey.fingerprint, limits: recorded)
        _ = try registry.commit(manifest, signer: coordinator)
        return (storage, registry)
    }

    @Test func aStoreCommittedWithRaisedLimitsVerifiesWithReplay() throws {
        let (_, registry) = try Self.store(recording: RoundLimits(Self.raised))
        #expect(try registry.version(1).manifest.frameLimits == Self.raised)
        let report = registry.verify(replay: true)
        #expect(report.passed, "\(report.failureLines)")
        #expect(report.checks.contains { $0.subject == "version 1 replay" && $0.ok })
    }

    /// What the defaults would do to the same store: the reason the limits are recorded.
    @Test func withoutTheRecordReplayUsesTheDefaultsAndRefusesTheUpdates() throws {
        let (_, registry) = try Self.store(recording: nil)
        let report = registry.verify(replay: true)
        let failed = Set(report.failures.map(\.subject))
        #expect(failed == ["version 1 update from site-a", "version 1 update from site-b", "version 1 replay"])
    }

    @Test func editingTheRecordedLimitsBreaksTheManifestSignature() throws {
        let (storage, registry) = try Self.store(recording: RoundLimits(Self.raised))
        var manifest = try registry.version(1).manifest
        manifest.limits?.maxTensors = 1 << 30
        storage.tamper("versions/000001.json") { $0 = Array(try! TamperTests.sortedPretty.encode(manifest)) }
        let report = registry.verify(replay: true)
        #expect(report.failures.map(\.subject).contains("version 1 signature"))
        #expect(!report.passed)
    }

    /// A manifest as written before limits were recorded: no `limits` key, the defaults, and
    /// the same bytes when encoded again (so its id, and its signature, are unchanged).
    @Test func aManifestWithoutLimitsMeansTheDefaultsAndKeepsItsBytes() throws {
        let store = try TestStore(rounds: 1, evaluate: false)
        let bytes = try #require(try store.registry.storage.read("versions/000001.json"))
        #expect(!String(decoding: bytes, as: UTF8.self).contains("\"limits\""))
        let manifest = try JSONDecoder().decode(VersionManifest.self, from: Data(bytes))
        #expect(manifest.limits == nil)
        #expect(manifest.frameLimits == .default)
        #expect(Array(try TamperTests.sortedPretty.encode(manifest)) == bytes)
        #expect(store.registry.verify(replay: true).passed)
    }

    @Test func aNegativeRecordedLimitIsRefusedNamingTheKey() throws {
        var json = String(decoding: try JSONEncoder().encode(RoundLimits(.default)), as: UTF8.self)
        json = json.replacingOccurrences(of: "\"maxRank\":8", with: "\"maxRank\":-1")
        #expect(json.contains("-1"))
        #expect {
            try JSONDecoder().decode(RoundLimits.self, from: Data(json.utf8))
        } throws: { error in
            guard case DecodingError.dataCorrupted(let context) = error else { return false }
            return context.codingPath.last?.stringValue == "maxRank"
        }
    }
}
