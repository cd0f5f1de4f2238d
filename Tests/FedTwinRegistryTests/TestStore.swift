import FedTwinAggregation
import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

/// SplitMix64: seeded, so every store a test builds is the same store.
struct SeededRandom {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    mutating func symmetric() -> Double { Double(next() >> 11) / Double(UInt64(1) << 52) - 1 }
}

/// A store built the way the coordinator builds one: enrolled sites send signed, q8,
/// compressed delta frames; the registry aggregates the stored frames and the result is
/// committed as the next version, then evaluated by every site.
struct TestStore {
    static let schema = ParameterSchema(tensors: [
        TensorSpec(name: "w", dtype: .f32, shape: [3, 2]),
        TensorSpec(name: "b", dtype: .f32, shape: [2]),
    ])
    static let component = ComponentSpec(id: "test-mlp", schema: schema, aggregation: .mean)
    static let initialParameters = [
        Tensor(name: "w", shape: [3, 2], floats: [0.5, -0.25, 0.125, 1, -1, 0.75]),
        Tensor(name: "b", shape: [2], floats: [0.1, -0.1]),
    ]
    static let software = "fedtwin-tests 0.1.0"

    let registry: Registry
    let coordinator: SigningKey
    /// Enrolled sites in name order.
    let sites: [(name: String, key: SigningKey)]
    let strategy: StrategyConfig

    /// Creates the store, enrols site-a, site-b and site-c, and commits `rounds` versions.
    init(storage: any RegistryStorage = InMemoryStorage(), strategy: StrategyConfig = StrategyConfig(name: "fedavg"),
         rounds: Int = 2, evaluate: Bool = true) throws {
        coordinator = try SigningKey.generate()
        registry = try Registry.create(storage: storage, component: Self.component, initialParameters: Self.initialParameters,
                                       signer: coordinator, software: Self.software)
        var sites: [(name: String, key: SigningKey)] = []
        for name in ["site-a", "site-b", "site-c"] {
            let key = try SigningKey.generate()
            try registry.enroll(name: name, key: key.publicKey, signer: coordinator)
            sites.append((name, key))
        }
        self.sites = sites
        self.strategy = strategy
        for _ in 0..<rounds {
            let version = try commitRound()
            if evaluate { try recordEvaluations(of: version) }
        }
    }

    /// UTC now, ISO 8601 with milliseconds, as the registry writes times.
    static func now() -> String {
        Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!))
    }

    /// The signed update frame a site sends for `round`: a deterministic delta from `parent`.
    func updateFrame(site index: Int, parent: StoredVersion, round: Int) throws -> [UInt8] {
        let site = sites[index]
        var rng = SeededRandom(seed: UInt64(round * 31 + index + 1))
        let deltas = Self.schema.tensors.map { spec in
            Tensor(name: spec.name, shape: spec.shape, floats: (0..<spec.elementCount).map { _ in Float(rng.symmetric() * 0.05) })
        }
        let samples = 100 * (index + 1) + round
        let metrics = ["train_loss": 1.0 / Double(round + 1) + 0.01 * Double(index), "train_mae": 0.5 / Double(round + 1)]
        let envelope = Envelope(sender: site.key.publicKey.fingerprint, session: "s-\(site.name)", challenge: "c-\(round)",
                                round: UInt64(round), seq: UInt64(round))
        return try MessageCodec().encode(
            .update(Update(baseVersionID: parent.id, samples: samples, metrics: metrics)), envelope: envelope, tensors: deltas,
            options: PayloadOptions(encoding: .q8, compressionLevel: 6, delta: parent.id), signer: site.key)
    }

    /// One round as the coordinator runs it: store the frames, aggregate, store the new
    /// state, commit the signed manifest. `durable: false` stores the objects as the
    /// coordinator does, left to the commit's barrier.
    @discardableResult
    func commitRound(sites indices: [Int]? = nil, durable: Bool = true) throws -> StoredVersion {
        let parent = try registry.latestVersion()
        let round = parent.manifest.round + 1
        let pending = try storeUpdates(parent: parent, round: round, sites: indices, durable: durable)
        let manifest = try nextManifest(parent: parent, round: round, pending: pending, durable: durable)
        return try registry.commit(manifest, signer: coordinator)
    }

    /// Stores each site's update frame for `round` as an object, as the coordinator does on
    /// arrival, and returns the contributions to aggregate (all sites by default).
    func storeUpdates(parent: StoredVersion, round: Int, sites indices: [Int]? = nil, durable: Bool = true) throws -> [PendingContribution] {
        try (indices ?? Array(sites.indices)).map { index in
            let id = try registry.putObject(try updateFrame(site: index, parent: parent, round: round), durable: durable)
            let site = try #require(try registry.site(named: sites[index].name))
            return PendingContribution(site: site, frameID: id)
        }
    }

    /// The manifest the coordinator would commit after aggregating `pending` on `parent`.
    func nextManifest(parent: StoredVersion, round: Int, pending: [PendingContribution], durable: Bool = true) throws -> VersionManifest {
        let strategy = try strategy.makeStrategy()
        let outcome = try registry.aggregate(parent: parent, strategy: strategy, updates: pending)
        let parameters = try registry.putObject(SafeTensors.encode(outcome.state.parameters), durable: durable)
        let optimizer = outcome.state.optimizerState.isEmpty ? nil : try registry.putObject(SafeTensors.encode(outcome.state.optimizerState), durable: durable)
        return VersionManifest(
            version: parent.number + 1, parent: parent.number, parentID: parent.id, component: Self.component, round: round,
            strategy: strategy.config, parameters: parameters, optimizerState: optimizer, contributions: outcome.contributions,
            totalSamples: outcome.totalSamples, metrics: outcome.metrics, software: Self.software,
            createdAt: Self.now(), auditHead: try registry.auditHead(),
            coordinator: coordinator.publicKey.fingerprint)
    }

    /// Every site evaluates `version` (signed evaluation frames) and the record is stored.
    @discardableResult
    func recordEvaluations(of version: StoredVersion, durable: Bool = true) throws -> EvaluationRecord {
        var evaluations: [SiteEvaluation] = []
        for (index, site) in sites.enumerated() {
            let metrics = ["loss": 2.0 / Double(version.number + 1) + 0.1 * Double(index), "mae": 1.0 / Double(version.number + 1)]
            let samples = 20 + 10 * index
            let envelope = Envelope(sender: site.key.publicKey.fingerprint, session: "s-\(site.name)", challenge: "c",
                                    round: UInt64(version.manifest.round), seq: 100)
            let frame = try MessageCodec().encode(.evaluation(Evaluation(versionID: version.id, samples: samples, metrics: metrics)),
                                                  envelope: envelope, signer: site.key)
            evaluations.append(SiteEvaluation(site: site.name, fingerprint: site.key.publicKey.fingerprint, samples: samples,
                                              metrics: metrics, frame: try registry.putObject(frame, durable: durable)))
        }
        let record = EvaluationRecord(version: version.number, versionID: version.id, evaluations: evaluations,
                                      createdAt: Self.now(), coordinator: coordinator.publicKey.fingerprint)
        try registry.recordEvaluations(record, signer: coordinator)
        return record
    }
}

/// A fresh directory under the system temp dir, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "fedtwin-registry-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Every file below the directory, relative paths, sorted.
    func allFiles() -> [String] {
        (FileManager.default.enumerator(atPath: path)?.allObjects as? [String] ?? []).sorted()
    }
}

extension VerificationReport {
    /// Failed checks as "subject: detail" lines, for readable expectations.
    var failureLines: [String] { failures.map { "\($0.subject): \($0.detail)" } }
}
