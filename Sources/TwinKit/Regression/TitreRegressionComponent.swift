import Foundation

/// A cheap demo component: an MLP predicting a batch's final titre from early-batch
/// features (see ``TitreFeatures``). One example per batch, so it trains in milliseconds;
/// useful to exercise the federated machinery end to end and as an early-warning tool.
public struct TitreRegressionComponent: TwinComponent {
    public let id = "titre-regressor"
    public let aggregation = AggregationKind.weightedMean
    public var features: TitreFeatures
    /// Titre scale (g/L): the network predicts titre / scale.
    public var titreScale: Double

    public static let layerSizes = [TitreFeatures.count, 8, 1]

    public init(features: TitreFeatures = TitreFeatures(), titreScale: Double = 1) {
        self.features = features
        self.titreScale = titreScale
    }

    public var schema: ParameterSchema { MLP.schema(layerSizes: Self.layerSizes) }

    public func initialParameters(seed: UInt64) -> ParameterSet {
        MLP(layerSizes: Self.layerSizes, hidden: .tanh, output: .linear, seed: seed).parameterSet()
    }

    func network(_ parameters: ParameterSet) throws -> MLP {
        var m = MLP(layerSizes: Self.layerSizes, hidden: .tanh, output: .linear, seed: 0)
        try m.load(parameters)
        try parameters.requireFinite()
        return m
    }

    /// Predicted final titre (g/L) of a batch.
    public func predict(_ parameters: ParameterSet, batch: BatchRecord) throws -> Double {
        try network(parameters).forward(features.features(batch))[0] * titreScale
    }

    public func train(from parameters: ParameterSet, on training: [BatchRecord], config: TrainingConfig) throws -> TrainingResult {
        var m = try network(parameters)
        let x = try training.map { try features.features($0) }
        let y = try training.map { [try features.target($0) / titreScale] }
        let before = RegressionTrainer.loss(m, inputs: x, targets: y)
        let history = config.trainer().fit(&m, inputs: x, targets: y)
        return TrainingResult(parameters: m.parameterSet(), samples: training.count,
                              metrics: ["train_loss_initial": before, "train_loss": history.last ?? before])
    }

    public func evaluate(_ parameters: ParameterSet, on heldOut: [BatchRecord]) throws -> [String: Double] {
        let m = try network(parameters)
        var se = 0.0, ae = 0.0
        for r in heldOut {
            let e = m.forward(try features.features(r))[0] * titreScale - (try features.target(r))
            se += e * e
            ae += abs(e)
        }
        let n = Double(max(heldOut.count, 1))
        return ["final_titre_rmse": (se / n).squareRoot(), "final_titre_mae": ae / n, "batches": Double(heldOut.count)]
    }
}
