import Foundation

/// A batch PCA monitor with Hotelling T² and SPE control limits, built from (summed)
/// sufficient statistics.
///
/// Columns are auto-scaled (mean-centred, unit variance) so variables in different units
/// count equally; columns without variance (e.g. feed before any batch starts feeding)
/// keep unit scale and contribute nothing.
public struct PCAMonitor: Sendable {
    public var mean: [Double]
    public var scale: [Double]
    /// Retained eigenvalues (descending) of the correlation matrix.
    public var eigenvalues: [Double]
    /// All eigenvalues (for residual θ's).
    public var allEigenvalues: [Double]
    /// Loadings, row-major `p × A`.
    public var loadings: [Double]
    public var components: Int
    public var dimension: Int
    /// Number of reference batches.
    public var batches: Int
    public var speMethod: SPELimitMethod

    /// Builds the model. `components`: fixed A, or nil to take the fewest explaining
    /// `explainedVariance` of the total; A is capped at n − 2 so the F limit exists.
    public init(statistics s: SufficientStatistics, components: Int? = nil, explainedVariance: Double = 0.9,
                speMethod: SPELimitMethod = .box) throws {
        let n = s.count
        let p = s.dimension
        guard n >= 3 else { throw MSPCError.tooFewBatches(Int(n)) }
        let mean = s.sum.map { $0 / n }
        var cov = [Double](repeating: 0, count: p * p)
        for i in 0..<p {
            for j in 0..<p {
                cov[i * p + j] = (s.crossProducts[i * p + j] - n * mean[i] * mean[j]) / (n - 1)
            }
        }
        var scale = [Double](repeating: 1, count: p)
        for i in 0..<p {
            let v = cov[i * p + i]
            // Treat columns whose variance is at rounding level of their mean as constant.
            if v > 1e-10 * max(1, mean[i] * mean[i]) { scale[i] = v.squareRoot() }
        }
        var corr = [Double](repeating: 0, count: p * p)
        for i in 0..<p {
            for j in 0..<p {
                let constant = scale[i] == 1 && cov[i * p + i] <= 1e-10 * max(1, mean[i] * mean[i])
                    || scale[j] == 1 && cov[j * p + j] <= 1e-10 * max(1, mean[j] * mean[j])
                corr[i * p + j] = constant ? 0 : cov[i * p + j] / (scale[i] * scale[j])
            }
        }
        let eig = SymmetricEigen(symmetric: corr, dimension: p)
        let positive = eig.values.map { max($0, 0) }
        let total = positive.reduce(0, +)
        var a = components ?? {
            var acc = 0.0
            for k in 0..<p {
                acc += positive[k]
                if acc >= explainedVariance * total { return k + 1 }
            }
            return p
        }()
        a = max(1, min(a, Int(n) - 2, p))
        var loadings = [Double](repeating: 0, count: p * a)
        for i in 0..<p { for k in 0..<a { loadings[i * a + k] = eig.vectors[i * p + k] } }
        self.mean = mean
        self.scale = scale
        self.eigenvalues = Array(positive.prefix(a))
        self.allEigenvalues = positive
        self.loadings = loadings
        self.components = a
        self.dimension = p
        self.batches = Int(n)
        self.speMethod = speMethod
    }

    /// Hotelling T² limit for a new batch at confidence `level` (e.g. 0.99):
    /// A(n²−1)/(n(n−A)) · F_level(A, n−A).
    public func t2Limit(_ level: Double) -> Double {
        let n = Double(batches), a = Double(components)
        return a * (n * n - 1) / (n * (n - a)) * FDistribution(a, n - a).quantile(level)
    }

    /// θ_i = Σ_{j>A} λ_j^i.
    func theta(_ power: Double) -> Double {
        allEigenvalues.dropFirst(components).reduce(0) { $0 + Foundation.pow($1, power) }
    }

    /// SPE limit at confidence `level`, by ``speMethod``.
    public func speLimit(_ level: Double) -> Double {
        speLimit(level, method: speMethod)
    }

    /// SPE limit at confidence `level` by a given method (see ``SPELimitMethod``). Zero
    /// when no residual variance is left (every residual eigenvalue is 0).
    public func speLimit(_ level: Double, method: SPELimitMethod) -> Double {
        let t1 = theta(1), t2 = theta(2)
        guard t1 > 0, t2 > 0 else { return 0 }
        if method == .jacksonMudholkar, let jm = Self.jacksonMudholkar(level, theta1: t1, theta2: t2, theta3: theta(3)) {
            return jm
        }
        return t2 / t1 * ChiSquaredDistribution(t1 * t1 / t2).quantile(level)
    }

    /// Smallest h₀ for which the Jackson–Mudholkar limit is used. At h₀ ≤ 0 its normal
    /// approximation of (Q/θ₁)^h₀ is taken on a decreasing transform and the limit falls
    /// as the level rises; just above 0 the power 1/h₀ amplifies rounding.
    static let jacksonMudholkarMinimumH0 = 1e-3

    /// The Jackson–Mudholkar limit, or nil where it is not defined (h₀ too small, or a
    /// power base ≤ 0 at this level).
    static func jacksonMudholkar(_ level: Double, theta1 t1: Double, theta2 t2: Double, theta3 t3: Double) -> Double? {
        let h0 = 1 - 2 * t1 * t3 / (3 * t2 * t2)
        guard h0 >= jacksonMudholkarMinimumH0 else { return nil }
        let z = NormalDistribution.quantile(level)
        let inner = z * (2 * t2 * h0 * h0).squareRoot() / t1 + 1 + t2 * h0 * (h0 - 1) / (t1 * t1)
        guard inner > 0 else { return nil }
        let q = t1 * Foundation.pow(inner, 1 / h0)
        return q.isFinite ? q : nil
    }

    /// Scores of an unfolded batch row.
    public func score(_ x: [Double]) -> (t2: Double, spe: Double, t2Contributions: [Double], speContributions: [Double]) {
        precondition(x.count == dimension)
        let p = dimension, a = components
        let z = (0..<p).map { (x[$0] - mean[$0]) / scale[$0] }
        var t = [Double](repeating: 0, count: a)
        for i in 0..<p { for k in 0..<a { t[k] += loadings[i * a + k] * z[i] } }
        var t2 = 0.0
        for k in 0..<a where eigenvalues[k] > 0 { t2 += t[k] * t[k] / eigenvalues[k] }
        var speC = [Double](repeating: 0, count: p)
        var t2C = [Double](repeating: 0, count: p)
        for i in 0..<p {
            var recon = 0.0
            var c = 0.0
            for k in 0..<a {
                recon += loadings[i * a + k] * t[k]
                if eigenvalues[k] > 0 { c += t[k] / eigenvalues[k] * loadings[i * a + k] }
            }
            let e = z[i] - recon
            speC[i] = e * e
            t2C[i] = z[i] * c
        }
        return (t2, speC.reduce(0, +), t2C, speC)
    }
}
