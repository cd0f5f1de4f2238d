import Foundation

/// Settings of ``TrajectoryFitter/fit(problems:initial:options:regulariser:progress:)``.
///
/// Everything that changes the result is here, including the seed, so a fit is replayed
/// exactly from its options.
public struct TrajectoryFitOptions: Sendable, Equatable {
    /// Passes over the problems.
    public var epochs: Int
    /// Problems (batches) per Adam step; the last minibatch of an epoch may be smaller.
    public var batchSize: Int
    /// Adam's step size at the first epoch.
    public var learningRate: Double
    /// The step size decays geometrically to `learningRate × finalLearningRateFraction` at
    /// the last epoch (1 = constant). Adam at a constant step jitters around the optimum by
    /// about the step size in θ; a decay lets log-parameters settle.
    public var finalLearningRateFraction: Double
    /// Seeds the minibatch order (the only randomness in a fit).
    public var seed: UInt64
    /// The gradient (data + regulariser) is rescaled to at most this Euclidean norm; nil =
    /// no clipping. Protects the first steps from a batch far from the start values.
    public var maxGradientNorm: Double?
    /// Box bounds on θ, one range per parameter (use `-.infinity ... .infinity` for a free
    /// one); nil = unbounded. After every Adam step θ is projected into the box, and the
    /// result lists the parameters that ended on a bound, so a fit that wants to leave the
    /// range a spec allows is reported instead of "succeeding" silently.
    public var bounds: [ClosedRange<Double>]?

    public init(epochs: Int, batchSize: Int = 8, learningRate: Double = 1e-2, finalLearningRateFraction: Double = 1,
                seed: UInt64, maxGradientNorm: Double? = 10, bounds: [ClosedRange<Double>]? = nil) {
        self.bounds = bounds
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.finalLearningRateFraction = finalLearningRateFraction
        self.seed = seed
        self.maxGradientNorm = maxGradientNorm
    }

    /// Step size used during epoch `epoch` (0-based).
    public func learningRate(epoch: Int) -> Double {
        guard epochs > 1, finalLearningRateFraction != 1 else { return learningRate }
        let progress = Double(epoch) / Double(epochs - 1)
        return learningRate * pow(finalLearningRateFraction, progress)
    }
}
