/// Chi-square distribution with possibly non-integer degrees of freedom (Box's g·χ²_h
/// approximation of the SPE distribution needs fractional h).
public struct ChiSquaredDistribution: Sendable, Equatable {
    public var degrees: Double

    public init(_ k: Double) {
        precondition(k > 0)
        degrees = k
    }

    /// P(χ² ≤ x) = P(k/2, x/2).
    public func cdf(_ x: Double) -> Double {
        SpecialFunctions.lowerIncompleteGamma(degrees / 2, x / 2)
    }

    /// The p-quantile.
    public func quantile(_ p: Double) -> Double {
        SpecialFunctions.invert(cdf, probability: p, initialUpper: max(1, degrees))
    }
}
