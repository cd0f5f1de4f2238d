/// What a trajectory fit produced: the parameters, how the loss went, and which batches
/// could not be used.
public struct TrajectoryFitResult: Sendable {
    /// A problem that diverged and was skipped from then on.
    public struct Divergence: Sendable, Equatable {
        /// Index in the problems handed to `fit`.
        public var batch: Int
        /// Epoch (0-based) in which it diverged; nil = at the final evaluation of θ.
        public var epoch: Int?
        public var error: TrajectoryFitError
    }

    /// Fitted θ.
    public var parameters: [Double]
    /// Data loss per epoch: the observation-weighted mean of the scaled squared residuals
    /// of that epoch's minibatches, each evaluated at θ before its step.
    public var lossHistory: [Double]
    /// Regulariser value at the θ reached after each epoch (0 without a regulariser).
    public var regulariserHistory: [Double]
    /// Data loss at the fitted θ over the problems that did not diverge.
    public var finalLoss: Double
    /// Adam steps taken.
    public var steps: Int
    /// Problems that diverged, in the order they did.
    public var diverged: [Divergence]
    /// Indices of parameters that ended exactly on a bound of ``TrajectoryFitOptions/bounds``
    /// (empty without bounds).
    public var parametersAtBound: [Int]
}
