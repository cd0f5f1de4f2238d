/// Fisher's F distribution (used for the Hotelling T² control limit).
public struct FDistribution: Sendable, Equatable {
    public var numeratorDegrees: Double
    public var denominatorDegrees: Double

    public init(_ d1: Double, _ d2: Double) {
        precondition(d1 > 0 && d2 > 0)
        numeratorDegrees = d1
        denominatorDegrees = d2
    }

    /// P(F ≤ x) = I_{d1·x/(d1·x + d2)}(d1/2, d2/2).
    public func cdf(_ x: Double) -> Double {
        guard x > 0 else { return 0 }
        let d1 = numeratorDegrees, d2 = denominatorDegrees
        return SpecialFunctions.incompleteBeta(d1 * x / (d1 * x + d2), a: d1 / 2, b: d2 / 2)
    }

    /// The p-quantile.
    public func quantile(_ p: Double) -> Double {
        SpecialFunctions.invert(cdf, probability: p)
    }
}
