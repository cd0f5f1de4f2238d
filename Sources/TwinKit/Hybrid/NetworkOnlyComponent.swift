/// Network-only baseline as a federated component: trained on finite-difference slopes
/// of the same assay intervals the hybrid uses, evaluated by the same open-loop harness.
public struct NetworkOnlyComponent: TwinComponent {
    public let id = "network-only"
    public let aggregation = AggregationKind.weightedMean
    public var estimator: IntervalRateEstimator
    public var simulation: RecordedInputSimulation
    /// Weights of the three outputs' squared errors in training (see docs/twin.md).
    public var outputWeights: [Double]

    public init(outputWeights: [Double] = [1, 1, 1], estimator: IntervalRateEstimator = IntervalRateEstimator(), simulation: RecordedInputSimulation = RecordedInputSimulation()) {
        self.estimator = estimator
        self.simulation = simulation
        self.outputWeights = outputWeights
    }

    public var schema: ParameterSchema { MLP.schema(layerSizes: NetworkOnlyModel.layerSizes) }

    public func initialParameters(seed: UInt64) -> ParameterSet {
        NetworkOnlyModel.initial(seed: seed).network.parameterSet()
    }

    public func model(_ parameters: ParameterSet) throws -> NetworkOnlyModel {
        var model = NetworkOnlyModel.initial(seed: 0)
        try model.network.load(parameters)
        try parameters.requireFinite()
        return model
    }

    public func trainingSet(_ records: [BatchRecord], model: NetworkOnlyModel) throws -> (inputs: [[Double]], targets: [[Double]]) {
        var inputs: [[Double]] = []
        var targets: [[Double]] = []
        for record in records {
            for s in try estimator.samples(from: record) {
                inputs.append(model.features(biomass: s.biomass, substrate: s.substrate, product: s.product, volume: s.volume,
                                             temperature: s.temperature, pH: s.pH, feedRate: s.feedRate, substrateInflow: s.substrateInflow))
                targets.append([
                    s.biomassSlope.map { $0 / model.slopeScales[0] } ?? .nan,
                    s.substrateSlope.map { $0 / model.slopeScales[1] } ?? .nan,
                    s.productSlope.map { $0 / model.slopeScales[2] } ?? .nan,
                ])
            }
        }
        return (inputs, targets)
    }

    public func train(from parameters: ParameterSet, on training: [BatchRecord], config: TrainingConfig) throws -> TrainingResult {
        var m = try model(parameters)
        let (inputs, targets) = try trainingSet(training, model: m)
        guard !inputs.isEmpty else {
            throw BatchDataError(batchID: training.first?.batchID ?? "<none>", what: "no pair of biomass assays to learn slopes from")
        }
        let before = RegressionTrainer.loss(m.network, inputs: inputs, targets: targets, outputWeights: outputWeights)
        let history = config.trainer(outputWeights: outputWeights).fit(&m.network, inputs: inputs, targets: targets)
        return TrainingResult(parameters: m.network.parameterSet(), samples: inputs.count,
                              metrics: ["train_loss_initial": before, "train_loss": history.last ?? before])
    }

    /// Open-loop metrics on held-out batches; with `reference` (e.g. simulator truth for
    /// the same batches) the trajectories are scored against it instead of the assays.
    public func trajectoryMetrics(_ parameters: ParameterSet, on heldOut: [BatchRecord],
                                  reference: [BatchRecord]? = nil) throws -> TrajectoryMetrics {
        let m = try model(parameters)
        let sims = try heldOut.map { try m.simulate($0, using: simulation) }
        if let reference { return TrajectoryMetrics.compute(simulated: sims, records: heldOut, reference: reference) }
        return TrajectoryMetrics.compute(Array(zip(heldOut, sims)).map { ($0.0, $0.1) })
    }

    public func evaluate(_ parameters: ParameterSet, on heldOut: [BatchRecord]) throws -> [String: Double] {
        try trajectoryMetrics(parameters, on: heldOut).dictionary()
    }
}
