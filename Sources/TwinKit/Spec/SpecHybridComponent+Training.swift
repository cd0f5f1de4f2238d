import Foundation

/// Local training: interval mass balances (warm start), then trajectory fitting.
extension SpecHybridComponent {
    /// Adam steps of the interval-balance stage when the spec does not say.
    public static let defaultRateSteps = 300

    /// The prior: strength · (Σ (log p − log p_initial)² + Σ w²) over θ, and its gradient.
    func prior(_ θ: [Double], strength: Double) -> (value: Double, gradient: [Double]) {
        var value = 0.0
        var gradient = [Double](repeating: 0, count: θ.count)
        for i in 0..<θ.count {
            let centre = i < spec.parameters.count ? Foundation.log(spec.parameters[i].initial) : 0
            let d = θ[i] - centre
            value += strength * d * d
            gradient[i] = 2 * strength * d
        }
        return (value, gradient)
    }

    /// θ with every log parameter moved into its bounds (what the model acts with anyway).
    func projected(_ θ: [Double]) -> [Double] {
        var out = θ
        for (i, p) in spec.parameters.enumerated() {
            out[i] = min(Foundation.log(p.max), max(Foundation.log(p.min), θ[i]))
        }
        return out
    }

    /// Names of parameters within ``atBoundTolerance`` (log distance) of a bound, with the bound.
    public func parametersAtBound(_ θ: [Double]) -> [(name: String, bound: String)] {
        spec.parameters.enumerated().compactMap { i, p in
            if θ[i] <= Foundation.log(p.min) + Self.atBoundTolerance { return (p.name, "lower bound \(p.min)") }
            if θ[i] >= Foundation.log(p.max) - Self.atBoundTolerance { return (p.name, "upper bound \(p.max)") }
            return nil
        }
    }

    /// Trajectory-fitting problems of `records` (one per batch).
    /// With `coarse`, row intervals are merged up to the fitting step (``SpecModel/problem(for:scales:minimumSpan:)``).
    func problems(_ model: SpecModel, _ records: [BatchRecord], scaling: FeatureScaling, coarse: Bool = false) throws -> [TrajectoryProblem<SpecInputs>] {
        let scales = residualScales(model, scaling)
        let span = coarse ? (spec.training?.maxStep ?? 1) : nil
        return try records.map { try model.problem(for: $0, scales: scales, minimumSpan: span) }
    }

    func fitter(_ model: SpecModel) -> TrajectoryFitter<SpecModel> {
        TrajectoryFitter(model: model, maxStep: spec.training?.maxStep ?? 1, clampsAtZero: true)
    }

    public func train(from parameters: ParameterSet, on training: [BatchRecord], config: TrainingConfig) throws -> TrainingResult {
        guard !training.isEmpty else { throw BatchDataError(batchID: "<none>", what: "no training batches") }
        let scaling = try effectiveScaling(training)
        let model = try self.model(scaling: scaling)
        var θ = try theta(parameters)
        let strength = spec.training?.priorStrength ?? 0.01
        let method = spec.training?.method ?? .both
        let learningRate = spec.training?.learningRate ?? config.learningRate
        var metrics: [String: Double] = [:]
        var warnings: [String] = []

        // (a) Interval mass balances.
        if method == .rates || method == .both {
            let balances = try SpecIntervalBalances(model: model, records: training, scales: residualScales(model, scaling),
                                                    chunk: spec.training?.maxStep ?? 1)
            if !balances.skipped.isEmpty {
                warnings.append("interval balances skipped \(balances.skipped.count) batch(es) without logged volume or two cell assays: \(balances.skipped.joined(separator: ", "))")
            }
            if balances.residuals.isEmpty {
                warnings.append("no assay interval to fit rates to; the interval-balance stage was skipped")
            } else {
                var adam = AdamOptimizer(parameterCount: θ.count, learningRate: learningRate)
                let steps = spec.training?.rateSteps ?? Self.defaultRateSteps
                metrics["rate_loss_initial"] = balances.lossAndGradient(θ).loss
                for _ in 0..<steps {
                    var (_, g) = balances.lossAndGradient(θ)
                    let p = prior(θ, strength: strength).gradient
                    for i in 0..<g.count { g[i] += p[i] }
                    let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    if !norm.isFinite { warnings.append("interval-balance gradient became non-finite; stage stopped"); break }
                    if norm > 10 { for i in 0..<g.count { g[i] *= 10 / norm } }
                    adam.update(&θ, gradient: g)
                    θ = projected(θ)   // projected Adam: the spec's bounds hold at every step
                }
                θ = projected(θ)
                metrics["rate_loss"] = balances.lossAndGradient(θ).loss
            }
        }

        // (b) Trajectories through the ODE.
        let problems = try self.problems(model, training, scaling: scaling, coarse: true)
        let observations = problems.reduce(0) { $0 + $1.observations.count }
        guard observations > 0 else {
            throw BatchDataError(batchID: training[0].batchID, what: "no assay of an observed state after the first row to fit to")
        }
        let fitter = self.fitter(model)
        if method == .trajectory || method == .both {
            θ = projected(θ)
            let bounds = spec.parameters.map { Foundation.log($0.min)...Foundation.log($0.max) }
                + [ClosedRange<Double>](repeating: -Double.infinity...Double.infinity, count: θ.count - spec.parameters.count)
            let options = TrajectoryFitOptions(epochs: config.epochs, batchSize: config.batchSize, learningRate: learningRate,
                                               finalLearningRateFraction: 0.1, seed: config.seed, bounds: bounds)
            let result = try fitter.fit(problems: problems, initial: θ, options: options,
                                        regulariser: { prior($0, strength: strength) })
            metrics["train_loss_initial"] = result.lossHistory.first ?? result.finalLoss
            for d in result.diverged {
                warnings.append("batch '\(training[d.batch].batchID)' diverged in trajectory fitting and was skipped: \(d.error)")
            }
            metrics["diverged_batches"] = Double(result.diverged.count)
            θ = projected(result.parameters)
        }
        metrics["train_loss"] = try meanLoss(fitter, problems, θ)
        if metrics["train_loss_initial"] == nil { metrics["train_loss_initial"] = try meanLoss(fitter, problems, try self.theta(parameters)) }

        let atBound = parametersAtBound(θ)
        metrics["params_at_bound"] = Double(atBound.count)
        for (name, bound) in atBound { warnings.append("parameter '\(name)' ended at its \(bound): the data push it beyond what the spec allows") }
        let (far, features) = try outOfScaling(training, scaling)
        metrics["inputs_out_of_scaling"] = far
        if far > 0 {
            warnings.append(String(format: "%.1f%% of network input samples lie more than %.0f spreads from the scaling's centre (%@)",
                                   far * 100, Self.outOfScalingThreshold, features.joined(separator: ", ")))
        }
        return TrainingResult(parameters: try parameterSet(theta: θ), samples: observations, metrics: metrics, warnings: warnings)
    }

    /// Observation-weighted mean trajectory loss over the problems that integrate.
    func meanLoss(_ fitter: TrajectoryFitter<SpecModel>, _ problems: [TrajectoryProblem<SpecInputs>], _ θ: [Double]) throws -> Double {
        var sum = 0.0, count = 0
        for (b, p) in problems.enumerated() {
            guard let l = try? fitter.loss(p, parameters: θ, batch: b) else { continue }
            sum += l * Double(p.observations.count)
            count += p.observations.count
        }
        return count > 0 ? sum / Double(count) : .nan
    }
}
