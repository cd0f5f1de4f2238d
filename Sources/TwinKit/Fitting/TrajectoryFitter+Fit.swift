/// Minibatch Adam over whole trajectories.
extension TrajectoryFitter {
    /// Fits θ to `problems` (one per batch) by Adam on the pooled data loss (scaled squared
    /// residuals averaged over all observations of a minibatch) plus an optional regulariser.
    ///
    /// - Minibatches of problems are drawn in an order shuffled by `options.seed`; the whole
    ///   fit is deterministic given the options (problems are handled serially, in order).
    /// - The gradient (data + regulariser) is clipped to `options.maxGradientNorm`.
    /// - `regulariser(θ)` returns a penalty and its gradient, e.g. a prior pulling log
    ///   parameters towards their initial values; it is added once per step.
    /// - A problem whose integration or adjoint becomes non-finite is skipped from then on and
    ///   reported in ``TrajectoryFitResult/diverged``; the fit only fails when every problem has
    ///   diverged. A problem that is invalid (shape, times, scales) is an error before any step.
    /// - With `options.bounds`, θ is projected into the box after every step (projected
    ///   Adam) and the parameters that end on a bound are listed in the result. The initial θ
    ///   must lie inside the bounds.
    /// - `progress(epoch, loss)` is called after every epoch with that epoch's data loss; the
    ///   epoch is also reported to a bound `TrainingProgress.reporter` (a terminal's line).
    public func fit(problems: [Problem], initial: [Double], options: TrajectoryFitOptions,
                    regulariser: (([Double]) -> (value: Double, gradient: [Double]))? = nil,
                    progress: ((Int, Double) -> Void)? = nil) throws -> TrajectoryFitResult {
        precondition(options.epochs >= 0 && options.batchSize >= 1 && options.learningRate > 0, "invalid fit options")
        let parameterCount = model.parameterCount
        guard initial.count == parameterCount else {
            throw TrajectoryFitError(batch: nil, row: nil, reason: .parameterCount(expected: parameterCount, got: initial.count))
        }
        if let bounds = options.bounds {
            guard bounds.count == parameterCount else {
                throw TrajectoryFitError(batch: nil, row: nil,
                                         reason: .invalidOptions("\(bounds.count) bounds for \(parameterCount) parameters"))
            }
            if let q = initial.indices.first(where: { !bounds[$0].contains(initial[$0]) }) {
                throw TrajectoryFitError(batch: nil, row: nil,
                                         reason: .invalidOptions("initial parameter \(q) = \(initial[q]) is outside its bounds \(bounds[q])"))
            }
        }
        for (b, p) in problems.enumerated() {
            _ = try TrajectoryLayout(problem: p, stateCount: model.stateCount, parameters: initial,
                                     expectedParameterCount: parameterCount, maxStep: maxStep, batch: b)
        }
        guard !problems.isEmpty else { throw TrajectoryFitError(batch: nil, row: nil, reason: .allDiverged(count: 0)) }

        func regularise(_ θ: [Double]) throws -> (value: Double, gradient: [Double])? {
            guard let regulariser else { return nil }
            let r = regulariser(θ)
            guard r.gradient.count == parameterCount else {
                throw TrajectoryFitError(batch: nil, row: nil,
                                         reason: .invalidRegulariser("gradient has \(r.gradient.count) entries for \(parameterCount) parameters"))
            }
            guard r.value.isFinite, !r.gradient.contains(where: { !$0.isFinite }) else {
                throw TrajectoryFitError(batch: nil, row: nil, reason: .invalidRegulariser("non-finite value or gradient"))
            }
            return r
        }

        var θ = initial
        var adam = AdamOptimizer(parameterCount: parameterCount, learningRate: options.learningRate)
        var rng = Xoshiro256StarStar(seed: options.seed)
        var active = [Bool](repeating: true, count: problems.count)
        var diverged: [TrajectoryFitResult.Divergence] = []
        var lossHistory: [Double] = []
        var regulariserHistory: [Double] = []
        var steps = 0
        var gradient = [Double](repeating: 0, count: parameterCount)

        for epoch in 0..<options.epochs {
            adam.learningRate = options.learningRate(epoch: epoch)
            var order = problems.indices.filter { active[$0] }
            rng.shuffle(&order)
            var epochSum = 0.0
            var epochCount = 0
            var start = 0
            while start < order.count {
                let end = min(start + options.batchSize, order.count)
                for q in 0..<parameterCount { gradient[q] = 0 }
                var sum = 0.0
                var count = 0
                for b in order[start..<end] where !problems[b].observations.isEmpty {
                    do {
                        let r = try sumOfSquaresAndGradient(problems[b], parameters: θ, batch: b)
                        sum += r.sum
                        count += r.count
                        for q in 0..<parameterCount { gradient[q] += r.gradient[q] }
                    } catch let error as TrajectoryFitError {
                        active[b] = false
                        diverged.append(.init(batch: b, epoch: epoch, error: error))
                    }
                }
                start = end
                guard count > 0 else { continue }
                epochSum += sum
                epochCount += count
                let inverse = 1 / Double(count)
                for q in 0..<parameterCount { gradient[q] *= inverse }
                if let r = try regularise(θ) {
                    for q in 0..<parameterCount { gradient[q] += r.gradient[q] }
                }
                if let limit = options.maxGradientNorm {
                    let norm = gradient.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    if norm > limit {
                        let shrink = limit / norm
                        for q in 0..<parameterCount { gradient[q] *= shrink }
                    }
                }
                adam.update(&θ, gradient: gradient)
                if let bounds = options.bounds {
                    for q in 0..<parameterCount { θ[q] = min(max(θ[q], bounds[q].lowerBound), bounds[q].upperBound) }
                }
                steps += 1
            }
            guard active.contains(true) else {
                throw TrajectoryFitError(batch: nil, row: nil, reason: .allDiverged(count: problems.count))
            }
            let epochLoss = epochCount > 0 ? epochSum / Double(epochCount) : 0
            lossHistory.append(epochLoss)
            regulariserHistory.append(try regularise(θ)?.value ?? 0)
            progress?(epoch, epochLoss)
            TrainingProgress.report(epoch: epoch + 1, of: options.epochs, loss: epochLoss)
        }

        var finalSum = 0.0
        var finalCount = 0
        for b in problems.indices where active[b] {
            do {
                let r = try sumOfSquares(problems[b], parameters: θ, batch: b)
                finalSum += r.sum
                finalCount += r.count
            } catch let error as TrajectoryFitError {
                active[b] = false
                diverged.append(.init(batch: b, epoch: nil, error: error))
            }
        }
        guard active.contains(true) else {
            throw TrajectoryFitError(batch: nil, row: nil, reason: .allDiverged(count: problems.count))
        }
        return TrajectoryFitResult(parameters: θ, lossHistory: lossHistory, regulariserHistory: regulariserHistory,
                                   finalLoss: finalCount > 0 ? finalSum / Double(finalCount) : 0,
                                   steps: steps, diverged: diverged,
                                   parametersAtBound: options.bounds.map { bounds in
                                       θ.indices.filter { θ[$0] == bounds[$0].lowerBound || θ[$0] == bounds[$0].upperBound }
                                   } ?? [])
    }
}
