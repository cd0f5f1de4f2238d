/// Local training settings a coordinator sends with a task.
public struct TrainingConfig: Sendable, Equatable, Codable {
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    /// Seeds minibatch order; combine the round number in so rounds differ but replay.
    public var seed: UInt64
    /// FedProx proximal coefficient μ (0 = FedAvg-style local training).
    public var proximalMu: Double
    /// L2 weight decay.
    public var weightDecay: Double

    public init(epochs: Int = 50, batchSize: Int = 32, learningRate: Double = 5e-3, seed: UInt64 = 0,
                proximalMu: Double = 0, weightDecay: Double = 0) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
        self.proximalMu = proximalMu
        self.weightDecay = weightDecay
    }

    /// Regression trainer with these settings and a component's output weights.
    public func trainer(outputWeights: [Double]? = nil) -> RegressionTrainer {
        RegressionTrainer(epochs: epochs, batchSize: batchSize, learningRate: learningRate, seed: seed,
                          proximalMu: proximalMu, weightDecay: weightDecay, outputWeights: outputWeights)
    }
}

extension TrainingConfig {
    public init(from decoder: Decoder) throws {
        let d = TrainingConfig()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        epochs = try c.decodeIfPresent(Int.self, forKey: .epochs) ?? d.epochs
        batchSize = try c.decodeIfPresent(Int.self, forKey: .batchSize) ?? d.batchSize
        learningRate = try c.decodeIfPresent(Double.self, forKey: .learningRate) ?? d.learningRate
        seed = try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? d.seed
        proximalMu = try c.decodeIfPresent(Double.self, forKey: .proximalMu) ?? d.proximalMu
        weightDecay = try c.decodeIfPresent(Double.self, forKey: .weightDecay) ?? d.weightDecay
    }
}
