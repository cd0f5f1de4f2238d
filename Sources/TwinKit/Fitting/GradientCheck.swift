/// Central finite differences against an analytic gradient.
///
/// The trajectory fitter's adjoint and every model's hand-written pullback are only worth
/// something if they agree with the loss they claim to differentiate; this is the one check
/// the fitter's tests and the spec models' tests share, so "agrees" means the same thing
/// everywhere.
public struct GradientCheck: Sendable {
    /// Outcome per parameter and the worst case.
    public struct Report: Sendable {
        public var analytic: [Double]
        public var finiteDifference: [Double]
        /// |analytic − fd| / max(|analytic|, |fd|, absoluteFloor), per parameter.
        public var relativeErrors: [Double]
        public var maxRelativeError: Double
        /// Parameter with the largest relative error (nil when there are no parameters).
        public var worstParameter: Int?
    }

    /// Step relative to max(1, |θᵢ|). 1e-5 balances truncation (O(h²)) against rounding
    /// (O(ε/h)) for losses of order one.
    public var relativeStep: Double
    /// Gradients smaller than this in magnitude count as zero when forming relative errors.
    public var absoluteFloor: Double

    public init(relativeStep: Double = 1e-5, absoluteFloor: Double = 1e-8) {
        self.relativeStep = relativeStep
        self.absoluteFloor = absoluteFloor
    }

    /// Compares `lossAndGradient(θ).gradient` with central differences of its loss.
    public func run(at θ: [Double], _ lossAndGradient: ([Double]) throws -> (loss: Double, gradient: [Double])) rethrows -> Report {
        let analytic = try lossAndGradient(θ).gradient
        precondition(analytic.count == θ.count, "gradient length does not match θ")
        var fd = [Double](repeating: 0, count: θ.count)
        var errors = [Double](repeating: 0, count: θ.count)
        var worst: Int?
        var maxError = 0.0
        for i in 0..<θ.count {
            let h = relativeStep * max(1, abs(θ[i]))
            var plus = θ
            var minus = θ
            plus[i] += h
            minus[i] -= h
            fd[i] = (try lossAndGradient(plus).loss - lossAndGradient(minus).loss) / (plus[i] - minus[i])
            let denominator = max(abs(analytic[i]), abs(fd[i]), absoluteFloor)
            errors[i] = abs(analytic[i] - fd[i]) / denominator
            if worst == nil || errors[i] > maxError || errors[i].isNaN {
                maxError = errors[i]
                worst = i
            }
        }
        return Report(analytic: analytic, finiteDifference: fd, relativeErrors: errors, maxRelativeError: maxError, worstParameter: worst)
    }

    /// Checks a fitter's adjoint gradient of one problem's loss at θ.
    public func run<Model: TrajectoryModel>(_ fitter: TrajectoryFitter<Model>, problem: TrajectoryProblem<Model.Inputs>,
                                            parameters θ: [Double]) throws -> Report {
        try run(at: θ) { try fitter.lossAndGradient(problem, parameters: $0) }
    }
}
