import FedTwinAggregation
import FedTwinWire

/// Everything a reviewer needs to know about one model version, signed by the coordinator.
///
/// The manifest's exact bytes are what is signed and hashed: the SHA-256 of the file is the
/// version id, which the next version names as its parent, so the versions form a chain
/// that cannot be edited without breaking a signature.
public struct VersionManifest: Sendable, Codable, Equatable {
    /// Manifest layout version.
    public var format: Int
    /// 0 for the initial parameters, then 1, 2, …
    public var version: Int
    /// Number and id of the version this one was aggregated from (nil for version 0).
    public var parent: Int?
    public var parentID: String?
    public var component: ComponentSpec
    /// Federated round that produced this version (0 for the initial parameters).
    public var round: Int
    public var strategy: StrategyConfig
    /// Object id of the parameters (canonical safetensors).
    public var parameters: String
    /// Object id of the server optimiser state (safetensors), if the strategy keeps one.
    public var optimizerState: String?
    /// One record per accepted update, in aggregation order (ascending site name).
    public var contributions: [ContributionRecord]
    public var totalSamples: Int
    /// Sample-weighted means of the sites' reported training metrics.
    public var metrics: [String: Double]
    /// Software that produced the version, e.g. "fedtwin 0.1.0".
    public var software: String
    /// UTC time of the commit, ISO 8601.
    public var createdAt: String
    /// Hash of the last audit entry written before this commit: anchors the audit log
    /// in a signed document.
    public var auditHead: String
    /// Fingerprint of the coordinator key that signs the manifest.
    public var coordinator: Fingerprint
    /// The frame and payload limits the round's updates were parsed with; nil (the key
    /// absent) means `FrameLimits.default`. Replay parses the stored updates with them.
    public var limits: RoundLimits?

    public init(format: Int = 1, version: Int, parent: Int?, parentID: String?, component: ComponentSpec, round: Int,
                strategy: StrategyConfig, parameters: String, optimizerState: String?, contributions: [ContributionRecord],
                totalSamples: Int, metrics: [String: Double], software: String, createdAt: String, auditHead: String,
                coordinator: Fingerprint, limits: RoundLimits? = nil) {
        self.format = format
        self.version = version
        self.parent = parent
        self.parentID = parentID
        self.component = component
        self.round = round
        self.strategy = strategy
        self.parameters = parameters
        self.optimizerState = optimizerState
        self.contributions = contributions
        self.totalSamples = totalSamples
        self.metrics = metrics
        self.software = software
        self.createdAt = createdAt
        self.auditHead = auditHead
        self.coordinator = coordinator
        self.limits = limits
    }

    /// The limits the round's frames were parsed with (`limits`, or the wire defaults).
    public var frameLimits: FrameLimits { limits?.frameLimits ?? .default }
}

/// One site's accepted update as recorded in a version.
public struct ContributionRecord: Sendable, Codable, Equatable {
    public var site: String
    public var fingerprint: Fingerprint
    /// Object id of the signed update frame as received (its frame id).
    public var update: String
    public var samples: Int
    public var metrics: [String: Double]
    /// The frame's Ed25519 signature, hex: lets a reader see who signed without opening the object.
    public var signature: String
    /// Encoding of the update's tensors (e.g. "q8") and its size on the wire.
    public var encoding: String
    public var bytes: Int

    public init(site: String, fingerprint: Fingerprint, update: String, samples: Int, metrics: [String: Double],
                signature: String, encoding: String, bytes: Int) {
        self.site = site
        self.fingerprint = fingerprint
        self.update = update
        self.samples = samples
        self.metrics = metrics
        self.signature = signature
        self.encoding = encoding
        self.bytes = bytes
    }
}
