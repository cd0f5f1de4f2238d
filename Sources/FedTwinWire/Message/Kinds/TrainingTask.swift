/// Coordinator → site: train on local data starting from the parameters in the payload.
public struct TrainingTask: Sendable, Equatable, Codable {
    /// Version the parameters belong to.
    public var baseVersion: Int
    /// Content id of that version (empty for the initial parameters of version 0).
    public var baseVersionID: String
    /// SHA-256 of the canonical parameter blob; the site recomputes it before training.
    public var parametersID: String
    public var component: String
    /// Local training settings chosen by the operator.
    public var training: TrainingSettings
    /// Seconds from sending the task after which the coordinator closes the round.
    public var deadlineSeconds: Double
    /// How the site should encode its update.
    public var updateEncoding: String
    /// q8 block size for the update.
    public var updateBlockSize: Int
    /// zlib level for the update, or nil for none.
    public var updateCompressionLevel: Int?

    public init(baseVersion: Int, baseVersionID: String, parametersID: String, component: String, training: TrainingSettings,
                deadlineSeconds: Double, updateEncoding: String = "q8", updateBlockSize: Int = 256, updateCompressionLevel: Int? = 6) {
        self.baseVersion = baseVersion
        self.baseVersionID = baseVersionID
        self.parametersID = parametersID
        self.component = component
        self.training = training
        self.deadlineSeconds = deadlineSeconds
        self.updateEncoding = updateEncoding
        self.updateBlockSize = updateBlockSize
        self.updateCompressionLevel = updateCompressionLevel
    }
}

/// Local training settings passed to sites with every task.
public struct TrainingSettings: Sendable, Equatable, Codable {
    public var epochs: Int
    public var learningRate: Double
    public var batchSize: Int
    /// FedProx proximal coefficient μ (0 = plain local training).
    public var proximalMu: Double
    /// Seed for the site's local shuffling and initialisation.
    public var seed: UInt64

    public init(epochs: Int = 1, learningRate: Double = 1e-3, batchSize: Int = 32, proximalMu: Double = 0, seed: UInt64 = 0) {
        self.epochs = epochs
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.proximalMu = proximalMu
        self.seed = seed
    }
}
