import Foundation

/// Standard normal distribution (the Jackson–Mudholkar SPE limit needs its quantile).
public enum NormalDistribution {
    /// Φ(x) via the complementary error function (accurate in the tails).
    public static func cdf(_ x: Double) -> Double {
        0.5 * Foundation.erfc(-x / 2.0.squareRoot())
    }

    /// Φ⁻¹(p) by bisection on a bracket wide enough for any double probability.
    public static func quantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1)
        var lo = -40.0, hi = 40.0
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if mid == lo || mid == hi { break }
            if cdf(mid) < p { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }
}
