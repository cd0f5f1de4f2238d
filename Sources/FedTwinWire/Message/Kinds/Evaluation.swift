/// Site → coordinator: held-out metrics of a version, recorded in that version's manifest.
public struct Evaluation: Sendable, Equatable, Codable {
    public var versionID: String
    /// Number of held-out samples (or batches) evaluated.
    public var samples: Int
    public var metrics: [String: Double]

    public init(versionID: String, samples: Int, metrics: [String: Double]) {
        self.versionID = versionID
        self.samples = samples
        self.metrics = metrics
    }
}
