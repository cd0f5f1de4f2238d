import Foundation

/// Log-gamma and the regularized incomplete beta and gamma functions, the building blocks
/// of the F and chi-square distributions used for MSPC control limits.
///
/// Implemented here (Lentz continued fractions and series, as in Numerical Recipes §6.2–6.4)
/// because Foundation has none of them and TwinKit takes no dependencies.
public enum SpecialFunctions {
    /// ln Γ(x) for x > 0 (Foundation's `lgamma`).
    public static func logGamma(_ x: Double) -> Double {
        Foundation.lgamma(x)
    }

    /// Regularized incomplete beta I_x(a, b).
    public static func incompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        precondition(a > 0 && b > 0, "incompleteBeta needs a, b > 0")
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnFront = logGamma(a + b) - logGamma(a) - logGamma(b) + a * Foundation.log(x) + b * Foundation.log1p(-x)
        let front = Foundation.exp(lnFront)
        // The continued fraction converges fast for x < (a+1)/(a+b+2); use symmetry otherwise.
        if x < (a + 1) / (a + b + 2) {
            return front * betaContinuedFraction(x, a: a, b: b) / a
        }
        return 1 - front * betaContinuedFraction(1 - x, a: b, b: a) / b
    }

    static func betaContinuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m)
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }

    /// Regularized lower incomplete gamma P(a, x).
    public static func lowerIncompleteGamma(_ a: Double, _ x: Double) -> Double {
        precondition(a > 0, "lowerIncompleteGamma needs a > 0")
        if x <= 0 { return 0 }
        let lnFront = a * Foundation.log(x) - x - logGamma(a)
        if x < a + 1 {
            // Series.
            var sum = 1 / a
            var term = sum
            var n = a
            for _ in 0..<10_000 {
                n += 1
                term *= x / n
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return sum * Foundation.exp(lnFront)
        }
        // Continued fraction for Q(a, x).
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1...10_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return 1 - Foundation.exp(lnFront) * h
    }

    /// Inverts a continuous, increasing CDF on [0, ∞) by bracketing and bisection to
    /// full double precision. Robust for every degree of freedom used in MSPC.
    public static func invert(_ cdf: (Double) -> Double, probability p: Double, initialUpper: Double = 1) -> Double {
        precondition(p > 0 && p < 1, "probability must be in (0, 1)")
        var lo = 0.0
        var hi = max(initialUpper, 1e-12)
        while cdf(hi) < p { lo = hi; hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if mid == lo || mid == hi { break }
            if cdf(mid) < p { lo = mid } else { hi = mid }
        }
        return (lo + hi) / 2
    }
}
