/// The default twin component: the serial hybrid bioreactor model.
///
/// Training is rates-from-data: each site turns its offline assays into interval-average
/// specific rates with ``IntervalRateEstimator`` and fits the rate model to them by a
/// noise-scaled, masked squared error (see docs/twin.md for why). Evaluation simulates each held-out batch
/// open-loop from its initial state and logged inputs.
public struct HybridComponent: TwinComponent {
    public let id = "hybrid-bioreactor"
    public let aggregation = AggregationKind.weightedMean
    public var estimator: IntervalRateEstimator
    public var simulation: RecordedInputSimulation
    /// Weights of the three rates' squared errors in training.
    public var outputWeights: [Double]
    /// Typical noise of interval rate estimates (μ 1/h, σ and π g/g/h): residuals are
    /// divided by these so the three rates count comparably.
    public var rateScales: [Double]
    /// Pull of all weights towards zero, i.e. of every correction factor towards 1 (the
    /// PenSim prior), added to the config's weight decay. Part of the model rather than of
    /// the training config because it encodes how much the literature kinetics are trusted.
    /// Default 3 with ``decoupledPrior`` (see docs/twin.md for the values tried).
    public var priorStrength: Double
    /// Apply the prior pull AdamW-style (decoupled from Adam's scaling); see
    /// ``RegressionTrainer/decoupledWeightDecay``. With the L2 form, each site's Adam moved
    /// weights it had no data about at the full learning rate, and in-process FedAvg stayed
    /// far from pooled training; decoupled, FedAvg tracks pooled closely (docs/twin.md).
    public var decoupledPrior: Bool = true
    /// Whether ``evaluate(_:on:)`` also reports the mechanistic-only baseline.
    public var includeMechanisticBaseline: Bool

    public init(includeMechanisticBaseline: Bool = true, outputWeights: [Double] = [1, 1, 1], rateScales: [Double] = [0.005, 0.02, 0.0005], priorStrength: Double = 3, estimator: IntervalRateEstimator = IntervalRateEstimator(), simulation: RecordedInputSimulation = RecordedInputSimulation()) {
        self.estimator = estimator
        self.simulation = simulation
        self.outputWeights = outputWeights
        self.rateScales = rateScales
        self.priorStrength = priorStrength
        self.includeMechanisticBaseline = includeMechanisticBaseline
    }

    public var schema: ParameterSchema { MLP.schema(layerSizes: HybridRateModel.layerSizes) }

    public func initialParameters(seed: UInt64) -> ParameterSet {
        HybridRateModel.initial(seed: seed).network.parameterSet()
    }

    /// The rate model carrying `parameters`.
    public func rateModel(_ parameters: ParameterSet) throws -> HybridRateModel {
        var model = HybridRateModel.initial(seed: 0)
        try model.network.load(parameters)
        try parameters.requireFinite()
        return model
    }

    /// One training example: network input, prior rates there, and the observed rates.
    public struct Example: Sendable {
        public var input: [Double]
        public var prior: SpecificRates
        public var observed: [Double?]
    }

    /// Examples from a set of batches (one per assay interval).
    public func examples(_ records: [BatchRecord], model: HybridRateModel) throws -> [Example] {
        var out: [Example] = []
        for record in records {
            for s in try estimator.samples(from: record) {
                out.append(Example(
                    input: model.features(biomass: s.biomass, substrate: s.substrate, product: s.product, temperature: s.temperature, pH: s.pH),
                    prior: model.prior.rates(biomass: s.biomass, substrate: s.substrate, temperature: s.temperature, pH: s.pH),
                    observed: [s.growth, s.uptake, s.production]))
            }
        }
        return out
    }

    /// Loss of one example: Σ_k w_k ((r_k − r̂_k)/scale_k)² over observed rates (μ, σ, π),
    /// and its gradient w.r.t. the network outputs.
    func loss(_ e: Example, outputs o: [Double], model: HybridRateModel) -> (loss: Double, gradient: [Double])? {
        let r = model.combine(prior: e.prior, outputs: o)
        let predicted = [r.growth, r.uptake, r.production]
        var loss = 0.0
        var g = SIMD3<Double>(0, 0, 0)
        var any = false
        for k in 0..<3 {
            guard let obs = e.observed[k], obs.isFinite else { continue }
            let z = (predicted[k] - obs) / rateScales[k]
            loss += outputWeights[k] * z * z
            g[k] = 2 * outputWeights[k] * z / rateScales[k]
            any = true
        }
        return any ? (loss, model.outputGradient(prior: e.prior, outputs: o, rateGradient: g)) : nil
    }

    public func train(from parameters: ParameterSet, on training: [BatchRecord], config: TrainingConfig) throws -> TrainingResult {
        var model = try rateModel(parameters)
        let data = try examples(training, model: model)
        guard !data.isEmpty else {
            throw BatchDataError(batchID: training.first?.batchID ?? "<none>", what: "no pair of biomass assays to learn rates from")
        }
        let inputs = data.map(\.input)
        let fixed = model
        let before = data.indices.compactMap { loss(data[$0], outputs: fixed.network.forward(inputs[$0]), model: fixed)?.loss }
        var regularised = config
        regularised.weightDecay += priorStrength
        var trainer = regularised.trainer()
        trainer.decoupledWeightDecay = decoupledPrior
        let history = trainer.fit(&model.network, inputs: inputs) { i, o in loss(data[i], outputs: o, model: fixed) }
        let initial = before.isEmpty ? 0 : before.reduce(0, +) / Double(before.count)
        return TrainingResult(parameters: model.network.parameterSet(), samples: data.count,
                              metrics: ["train_loss_initial": initial, "train_loss": history.last ?? initial])
    }

    /// Open-loop metrics on held-out batches; with `reference` (e.g. simulator truth for
    /// the same batches) the trajectories are scored against it instead of the assays.
    public func trajectoryMetrics(_ parameters: ParameterSet, on heldOut: [BatchRecord],
                                  reference: [BatchRecord]? = nil) throws -> TrajectoryMetrics {
        let model = HybridBioreactorModel(rates: try rateModel(parameters), hydrolysis: estimator.hydrolysis)
        let sims = try heldOut.map { try model.simulate($0, using: simulation) }
        if let reference { return TrajectoryMetrics.compute(simulated: sims, records: heldOut, reference: reference) }
        return TrajectoryMetrics.compute(Array(zip(heldOut, sims)).map { ($0.0, $0.1) })
    }

    /// Hybrid metrics (`rmse_X`, …) and, if ``includeMechanisticBaseline``, the nominal
    /// mechanistic model's on the same batches (`mechanistic_rmse_X`, …), so every
    /// evaluation report carries its baseline.
    public func evaluate(_ parameters: ParameterSet, on heldOut: [BatchRecord]) throws -> [String: Double] {
        var metrics = try trajectoryMetrics(parameters, on: heldOut).dictionary()
        if includeMechanisticBaseline {
            let baseline = MechanisticBaseline()
            let sims = try heldOut.map { try baseline.simulate($0, using: simulation) }
            metrics.merge(TrajectoryMetrics.compute(Array(zip(heldOut, sims))).dictionary(prefix: "mechanistic_")) { a, _ in a }
        }
        return metrics
    }
}
