import FedTwinAggregation
import FedTwinWire
import Foundation

/// Everything an operator chooses for a federation, as a JSON file a person can edit
/// (`fedtwin-coordinator --config coordinator.json`); command-line flags override it.
/// Every field has a default, so a config file holds only what differs.
public struct CoordinatorConfiguration: Sendable, Codable, Equatable {
    /// Address to listen on.
    public var host: String = "127.0.0.1"
    /// TCP port (0 = ephemeral; the bound port is printed and written to `portFile`).
    public var port: Int = 7450
    /// Registry directory (created with `fedtwin store init`).
    public var store: String = "store"
    /// Coordinator private key (PKCS#8 PEM, mode 0600).
    public var key: String = "coordinator.key"
    /// Aggregation strategy, its settings, and the combiner of the sites' deltas (with
    /// update-norm clipping: settings `clip`, `trim`, `byzantine`, `select`).
    public var strategy: StrategyConfig = StrategyConfig(name: "fedavg")
    /// Round number to stop after (rounds are numbered from 1 across restarts).
    public var rounds: Int = 5
    /// Quorum: sites that must be connected to start a round and must answer to commit it.
    public var minSites: Int = 2
    /// Sites asked per round (0 = every connected site).
    public var sitesPerRound: Int = 0
    /// Seconds a round waits for updates after sending its tasks.
    public var roundDeadlineSeconds: Double = 120
    /// Seconds to wait for sites' evaluations of a new version (0 = skip evaluation).
    public var evaluationDeadlineSeconds: Double = 60
    /// Heartbeat interval announced to sites and used towards them.
    public var heartbeatSeconds: Double = 5
    /// A connection that sends nothing (not even a heartbeat) for this long is dropped.
    public var readTimeoutSeconds: Double = 30
    /// Local training settings sent with every task.
    public var training: TrainingSettings = TrainingSettings(epochs: 5, learningRate: 5e-3, batchSize: 32, proximalMu: 0, seed: 1)
    /// Encoding sites use for their updates: f32, f16 or q8.
    public var updateEncoding: String = "q8"
    public var updateBlockSize: Int = 256
    /// zlib level for updates (nil/absent = none). Level 1 compresses q8 codes as well as
    /// level 6 at a fraction of the CPU (docs/benchmarks.md).
    public var updateCompressionLevel: Int? = 1
    /// zlib level for the global model sent with tasks (nil = none, the default: zlib gains
    /// only ~7 % on float32 weights). Tasks are always lossless so that sites can check the
    /// parameters' content id.
    public var taskCompressionLevel: Int? = nil
    /// Largest frame body accepted, in MiB.
    public var maxBodyMiB: Int = 256
    /// Largest JSON frame header accepted, in KiB. A header holds the envelope and the
    /// tensor manifest, so it grows only with the number of tensors.
    public var maxHeaderKiB: Int = 1024
    /// Most tensors in one frame's payload, checked before any tensor is allocated.
    public var maxTensors: Int = 4096
    /// Most simultaneous connections.
    public var maxConnections: Int = 256
    /// Most connections still in their handshake (TLS plus `hello` not yet received); more
    /// are closed at accept, so silent sockets cannot take every `maxConnections` slot.
    public var maxPendingHandshakes: Int = 32
    /// A connection whose TLS handshake and `hello` have not arrived within this many
    /// seconds is dropped (`timeout`, audited as `connection-refused`).
    public var handshakeTimeoutSeconds: Double = 10
    /// Updates whose delta has a larger L2 norm are refused (`norm-exceeded`); nil = no bound.
    public var maxUpdateNorm: Double?
    /// Largest `samples` one update may claim (`samples-exceeded`); docs/security.md, "Bounds".
    public var maxSamplesPerUpdate: Int = 1_000_000_000
    /// An update may claim at most this factor times the samples of the site's first
    /// contribution in the store (`samples-inconsistent`); 0 = no such check.
    public var sampleConsistencyFactor: Double = 10
    /// Largest `samples` one evaluation may claim (`samples-exceeded`).
    public var maxEvaluationSamples: Int = 1_000_000_000
    /// Largest |value| of a metric in an update or evaluation (`invalid-metric`).
    public var maxMetricMagnitude: Double = 1e12
    /// File to write the bound port into (for scripts using port 0).
    public var portFile: String?
    /// The coordinator's TLS certificate (written by `fedtwin keygen` as NAME.crt); nil
    /// means the key's path with `.crt` in place of its extension.
    public var certificate: String?
    /// Plain TCP instead of TLS 1.3. For local experiments only; loudly warned about.
    public var insecure: Bool = false
    /// `host:port` of the read-only status endpoint (/metrics, /status, the status page);
    /// nil = off, the default. Plain HTTP on loopback; any other address is TLS with
    /// enrolled operators' client certificates, so not with `insecure` (docs/security.md,
    /// "Status endpoint").
    public var http: String?

    /// The frame limits these settings give: one value for the transport (which checks
    /// lengths from the 16-byte prefix before buffering) and the codec, so the two cannot
    /// disagree.
    public var frameLimits: FrameLimits {
        var payload = PayloadLimits.default
        payload.maxTensors = maxTensors
        return FrameLimits(maxHeaderLength: maxHeaderKiB << 10, maxBodyLength: maxBodyMiB << 20, payload: payload)
    }

    /// The certificate path actually used.
    public var certificatePath: String {
        certificate ?? ((key as NSString).deletingPathExtension + ".crt")
    }

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case host, port, store, key, strategy, rounds, minSites, sitesPerRound, roundDeadlineSeconds, evaluationDeadlineSeconds,
             heartbeatSeconds, readTimeoutSeconds, training, updateEncoding, updateBlockSize, updateCompressionLevel,
             taskCompressionLevel, maxBodyMiB, maxHeaderKiB, maxTensors, maxConnections, maxPendingHandshakes, handshakeTimeoutSeconds, maxUpdateNorm,
             maxSamplesPerUpdate, sampleConsistencyFactor, maxEvaluationSamples, maxMetricMagnitude, portFile, certificate, insecure, http
    }

    enum TrainingKeys: String, CodingKey, CaseIterable {
        case epochs, learningRate, batchSize, proximalMu, seed
    }

    enum StrategyKeys: String, CodingKey, CaseIterable {
        case name, settings, combiner
    }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, against: CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = CoordinatorConfiguration()
        host = try c.decodeIfPresent(String.self, forKey: .host) ?? d.host
        port = try c.decodeIfPresent(Int.self, forKey: .port) ?? d.port
        store = try c.decodeIfPresent(String.self, forKey: .store) ?? d.store
        key = try c.decodeIfPresent(String.self, forKey: .key) ?? d.key
        rounds = try c.decodeIfPresent(Int.self, forKey: .rounds) ?? d.rounds
        minSites = try c.decodeIfPresent(Int.self, forKey: .minSites) ?? d.minSites
        sitesPerRound = try c.decodeIfPresent(Int.self, forKey: .sitesPerRound) ?? d.sitesPerRound
        roundDeadlineSeconds = try c.decodeIfPresent(Double.self, forKey: .roundDeadlineSeconds) ?? d.roundDeadlineSeconds
        evaluationDeadlineSeconds = try c.decodeIfPresent(Double.self, forKey: .evaluationDeadlineSeconds) ?? d.evaluationDeadlineSeconds
        heartbeatSeconds = try c.decodeIfPresent(Double.self, forKey: .heartbeatSeconds) ?? d.heartbeatSeconds
        readTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .readTimeoutSeconds) ?? d.readTimeoutSeconds
        if c.contains(.training) {
            let nested = try c.superDecoder(forKey: .training)
            try StrictKeys.check(nested, against: TrainingKeys.self)
            let t = try nested.container(keyedBy: TrainingKeys.self)
            training = TrainingSettings(
                epochs: try t.decodeIfPresent(Int.self, forKey: .epochs) ?? d.training.epochs,
                learningRate: try t.decodeIfPresent(Double.self, forKey: .learningRate) ?? d.training.learningRate,
                batchSize: try t.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.training.batchSize,
                proximalMu: try t.decodeIfPresent(Double.self, forKey: .proximalMu) ?? d.training.proximalMu,
                seed: try t.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.training.seed)
        } else {
            training = d.training
        }
        if c.contains(.strategy) {
            let nested = try c.superDecoder(forKey: .strategy)
            try StrictKeys.check(nested, against: StrategyKeys.self)
            let st = try nested.container(keyedBy: StrategyKeys.self)
            strategy = StrategyConfig(name: try st.decode(String.self, forKey: .name),
                                      settings: try st.decodeIfPresent([String: Double].self, forKey: .settings) ?? [:],
                                      combiner: try st.decodeIfPresent(String.self, forKey: .combiner) ?? d.strategy.combiner)
        } else {
            strategy = d.strategy
        }
        updateEncoding = try c.decodeIfPresent(String.self, forKey: .updateEncoding) ?? d.updateEncoding
        updateBlockSize = try c.decodeIfPresent(Int.self, forKey: .updateBlockSize) ?? d.updateBlockSize
        updateCompressionLevel = c.contains(.updateCompressionLevel) ? try c.decodeIfPresent(Int.self, forKey: .updateCompressionLevel) : d.updateCompressionLevel
        taskCompressionLevel = c.contains(.taskCompressionLevel) ? try c.decodeIfPresent(Int.self, forKey: .taskCompressionLevel) : d.taskCompressionLevel
        maxBodyMiB = try c.decodeIfPresent(Int.self, forKey: .maxBodyMiB) ?? d.maxBodyMiB
        maxHeaderKiB = try c.decodeIfPresent(Int.self, forKey: .maxHeaderKiB) ?? d.maxHeaderKiB
        maxTensors = try c.decodeIfPresent(Int.self, forKey: .maxTensors) ?? d.maxTensors
        maxConnections = try c.decodeIfPresent(Int.self, forKey: .maxConnections) ?? d.maxConnections
        maxPendingHandshakes = try c.decodeIfPresent(Int.self, forKey: .maxPendingHandshakes) ?? d.maxPendingHandshakes
        handshakeTimeoutSeconds = try c.decodeIfPresent(Double.self, forKey: .handshakeTimeoutSeconds) ?? d.handshakeTimeoutSeconds
        maxUpdateNorm = try c.decodeIfPresent(Double.self, forKey: .maxUpdateNorm)
        maxSamplesPerUpdate = try c.decodeIfPresent(Int.self, forKey: .maxSamplesPerUpdate) ?? d.maxSamplesPerUpdate
        sampleConsistencyFactor = try c.decodeIfPresent(Double.self, forKey: .sampleConsistencyFactor) ?? d.sampleConsistencyFactor
        maxEvaluationSamples = try c.decodeIfPresent(Int.self, forKey: .maxEvaluationSamples) ?? d.maxEvaluationSamples
        maxMetricMagnitude = try c.decodeIfPresent(Double.self, forKey: .maxMetricMagnitude) ?? d.maxMetricMagnitude
        portFile = try c.decodeIfPresent(String.self, forKey: .portFile)
        certificate = try c.decodeIfPresent(String.self, forKey: .certificate)
        insecure = try c.decodeIfPresent(Bool.self, forKey: .insecure) ?? d.insecure
        http = try c.decodeIfPresent(String.self, forKey: .http)
    }

    /// Reads a config file. Unknown keys are refused (a typo must not silently fall back
    /// to a default); every error names the file and the key.
    public static func load(from path: String) throws -> CoordinatorConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(file: path, key: nil, problem: "cannot read the file")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ConfigurationError(file: path, key: nil, problem: "not valid JSON (\(error.localizedDescription))")
        }
        guard object is [String: Any] else {
            throw ConfigurationError(file: path, key: nil, problem: "the top level must be a JSON object")
        }
        do {
            try StrictJSON.checkKeys(data)
        } catch let error as DuplicateKeyError {
            throw ConfigurationError(file: path, key: error.path, problem: "\(error) (a key may appear once per object)")
        }
        // Unknown keys, at every level, are refused while decoding (`StrictKeys`).
        let config: CoordinatorConfiguration
        do {
            config = try JSONDecoder().decode(CoordinatorConfiguration.self, from: data)
        } catch {
            throw ConfigurationError(decoding: error, file: path)
        }
        try config.validate(file: path)
        return config
    }

    /// Checks ranges and combinations; errors name the key.
    public func validate(file: String = "command line") throws {
        func require(_ ok: Bool, _ key: String, _ problem: String) throws {
            if !ok { throw ConfigurationError(file: file, key: key, problem: problem) }
        }
        try require((0...65535).contains(port), "port", "must be 0…65535, got \(port)")
        try require(rounds >= 1, "rounds", "must be at least 1, got \(rounds)")
        try require(minSites >= 1, "minSites", "must be at least 1, got \(minSites)")
        try require(sitesPerRound == 0 || sitesPerRound >= minSites, "sitesPerRound", "must be 0 (all) or at least minSites (\(minSites)), got \(sitesPerRound)")
        try require(roundDeadlineSeconds > 0, "roundDeadlineSeconds", "must be positive")
        try require(evaluationDeadlineSeconds >= 0, "evaluationDeadlineSeconds", "must be ≥ 0")
        try require(heartbeatSeconds > 0, "heartbeatSeconds", "must be positive")
        try require(readTimeoutSeconds > heartbeatSeconds * 2, "readTimeoutSeconds", "must exceed twice heartbeatSeconds (\(heartbeatSeconds)) so that heartbeats keep connections alive")
        try require(TensorEncoding(rawValue: updateEncoding) != nil && updateEncoding != "f64", "updateEncoding", "must be f32, f16 or q8, got \(updateEncoding)")
        try require((1...65536).contains(updateBlockSize), "updateBlockSize", "must be 1…65536")
        try require(updateCompressionLevel.map { (0...9).contains($0) } ?? true, "updateCompressionLevel", "must be 0…9 or absent")
        try require(taskCompressionLevel.map { (0...9).contains($0) } ?? true, "taskCompressionLevel", "must be 0…9 or absent")
        try require((1...MessageBounds.maxEpochs).contains(training.epochs), "training.epochs", "must be 1…\(MessageBounds.maxEpochs), got \(training.epochs)")
        try require((1...MessageBounds.maxBatchSize).contains(training.batchSize), "training.batchSize",
                    "must be 1…\(MessageBounds.maxBatchSize), got \(training.batchSize)")
        try require(training.proximalMu >= 0 && training.proximalMu.isFinite, "training.proximalMu", "must be a finite number ≥ 0")
        try require(MessageBounds.heartbeatSecondsRange.contains(heartbeatSeconds), "heartbeatSeconds",
                    "must be within \(MessageBounds.heartbeatSecondsRange), got \(heartbeatSeconds)")
        try require(training.learningRate > 0 && training.learningRate.isFinite, "training.learningRate", "must be positive")
        try require(maxBodyMiB >= 1 && maxBodyMiB <= 4095, "maxBodyMiB", "must be 1…4095")
        try require((1...65536).contains(maxHeaderKiB), "maxHeaderKiB", "must be 1…65536, got \(maxHeaderKiB)")
        try require((1...1_000_000).contains(maxTensors), "maxTensors", "must be 1…1000000, got \(maxTensors)")
        try require(maxConnections >= 1, "maxConnections", "must be at least 1, got \(maxConnections)")
        try require((1...maxConnections).contains(maxPendingHandshakes), "maxPendingHandshakes",
                    "must be 1…maxConnections (\(maxConnections)), got \(maxPendingHandshakes)")
        try require(handshakeTimeoutSeconds > 0 && handshakeTimeoutSeconds.isFinite, "handshakeTimeoutSeconds", "must be positive")
        if let http {
            if let problem = StatusAddress.problem(http, insecure: insecure) {
                throw ConfigurationError(file: file, key: "http", problem: problem.description)
            }
        }
        try require(maxUpdateNorm.map { $0.isFinite && $0 > 0 } ?? true, "maxUpdateNorm", "must be a finite number > 0 or absent")
        if let unknown = strategy.settings.keys.sorted().first(where: { !strategy.settingNames.contains($0) }) {
            throw ConfigurationError(file: file, key: "strategy.settings.\(unknown)",
                                     problem: "unknown setting for strategy \(strategy.name) with combiner \(strategy.combiner) (known: \(strategy.settingNames.sorted().joined(separator: ", ")))")
        }
        try require(maxSamplesPerUpdate >= 1, "maxSamplesPerUpdate", "must be at least 1, got \(maxSamplesPerUpdate)")
        try require(sampleConsistencyFactor == 0 || (sampleConsistencyFactor >= 1 && sampleConsistencyFactor.isFinite), "sampleConsistencyFactor",
                    "must be 0 (off) or a finite number ≥ 1, got \(sampleConsistencyFactor)")
        try require(maxEvaluationSamples >= 0, "maxEvaluationSamples", "must be ≥ 0, got \(maxEvaluationSamples)")
        try require(maxMetricMagnitude > 0 && maxMetricMagnitude.isFinite, "maxMetricMagnitude", "must be a finite number > 0, got \(maxMetricMagnitude)")
        let built: any AggregationStrategy
        do {
            built = try strategy.makeStrategy()
        } catch let error as StrategyError {
            throw ConfigurationError(file: file, key: error.setting.map { "strategy.\($0)" } ?? "strategy", problem: "\(error)")
        } catch {
            throw ConfigurationError(file: file, key: "strategy", problem: "\(error)")
        }
        // Rounds commit with at least minSites updates, so Krum's n ≥ 2f + 3 holds in every round.
        let combination = built.combination
        try require(minSites >= combination.minimumContributions, "strategy.settings.byzantine",
                    "\(combination.combiner.rawValue) with byzantine f = \(combination.byzantine) needs minSites ≥ 2f + 3 = \(combination.minimumContributions), got minSites \(minSites)")
        if combination.combiner == .multiKrum, let m = combination.select {
            try require(m <= minSites - combination.byzantine, "strategy.settings.select",
                        "multi-krum select m = \(m) must be ≤ minSites − byzantine = \(minSites - combination.byzantine)")
        }
    }
}
