import Foundation

/// Adam (Kingma & Ba 2015) with bias correction, over a flat parameter vector.
///
/// Chosen because the twin's losses mix rates of very different scale; per-parameter
/// step sizes make training insensitive to that without hand-tuned schedules.
public struct AdamOptimizer: Sendable {
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double
    public var epsilon: Double
    /// First and second moment estimates.
    public private(set) var firstMoment: [Double]
    public private(set) var secondMoment: [Double]
    /// Steps taken so far.
    public private(set) var step: Int

    public init(parameterCount: Int, learningRate: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.firstMoment = [Double](repeating: 0, count: parameterCount)
        self.secondMoment = [Double](repeating: 0, count: parameterCount)
        self.step = 0
    }

    /// Applies one update to `parameters` from `gradient` of the loss.
    public mutating func update(_ parameters: inout [Double], gradient: [Double]) {
        precondition(parameters.count == gradient.count && gradient.count == firstMoment.count)
        step += 1
        let c1 = 1 - Foundation.pow(beta1, Double(step))
        let c2 = 1 - Foundation.pow(beta2, Double(step))
        for i in 0..<parameters.count {
            let g = gradient[i]
            firstMoment[i] = beta1 * firstMoment[i] + (1 - beta1) * g
            secondMoment[i] = beta2 * secondMoment[i] + (1 - beta2) * g * g
            let mHat = firstMoment[i] / c1
            let vHat = secondMoment[i] / c2
            parameters[i] -= learningRate * mHat / (vHat.squareRoot() + epsilon)
        }
    }
}
