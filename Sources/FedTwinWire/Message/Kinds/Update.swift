/// Site → coordinator: the result of local training, with the delta (or parameters) in the
/// payload.
public struct Update: Sendable, Equatable, Codable {
    /// Content id of the version the site trained from.
    public var baseVersionID: String
    /// Number of training samples (weights FedAvg).
    public var samples: Int
    /// Local metrics (e.g. "train_loss"); finite numbers only.
    public var metrics: [String: Double]

    public init(baseVersionID: String, samples: Int, metrics: [String: Double]) {
        self.baseVersionID = baseVersionID
        self.samples = samples
        self.metrics = metrics
    }
}
