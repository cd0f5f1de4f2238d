import FedTwinWire

/// The cross-site validation of one version: each site's metrics on its own held-out
/// batches, with the signed evaluation frames kept as objects. Signed by the coordinator
/// and stored beside the version it evaluates (the version is committed first; sites
/// evaluate what was committed).
public struct EvaluationRecord: Sendable, Codable, Equatable {
    public var format: Int
    public var version: Int
    public var versionID: String
    public var evaluations: [SiteEvaluation]
    public var createdAt: String
    public var coordinator: Fingerprint

    public init(format: Int = 1, version: Int, versionID: String, evaluations: [SiteEvaluation], createdAt: String, coordinator: Fingerprint) {
        self.format = format
        self.version = version
        self.versionID = versionID
        self.evaluations = evaluations
        self.createdAt = createdAt
        self.coordinator = coordinator
    }

    /// Sample-weighted mean of one metric over the sites that reported it.
    public func weightedMean(_ metric: String) -> Double? {
        WeightedMean.of(evaluations.compactMap { e in e.metrics[metric].map { (e.samples, [metric: $0]) } })[metric]
    }
}

/// One site's evaluation of a version.
public struct SiteEvaluation: Sendable, Codable, Equatable {
    public var site: String
    public var fingerprint: Fingerprint
    public var samples: Int
    public var metrics: [String: Double]
    /// Object id of the signed evaluation frame.
    public var frame: String

    public init(site: String, fingerprint: Fingerprint, samples: Int, metrics: [String: Double], frame: String) {
        self.site = site
        self.fingerprint = fingerprint
        self.samples = samples
        self.metrics = metrics
        self.frame = frame
    }
}
