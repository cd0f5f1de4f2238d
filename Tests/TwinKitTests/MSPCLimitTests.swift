import Foundation
import Testing
@testable import TwinKit

/// Control limits of the PCA monitor checked as properties, not only against formulas:
/// ordered at every spectrum the monitor can produce, exceeded at their nominal rate by
/// in-control data, and the same whether built from three sites' statistics or pooled rows.
@Suite("MSPC control limits")
struct MSPCLimitTests {
    /// Rows of `k` latent factors of decreasing strength mixed into `p` columns plus small
    /// noise: a few large eigenvalues and many small ones, the spectrum of unfolded batches.
    static func rows(_ n: Int, p: Int, factors k: Int, noise: Double, seed: UInt64, mixingSeed: UInt64 = 7) -> [[Double]] {
        var rng = Xoshiro256StarStar(seed: seed)
        var mixing = Xoshiro256StarStar(seed: mixingSeed)
        let w = (0..<(k * p)).map { _ in mixing.nextGaussian() }
        return (0..<n).map { _ in
            let f = (0..<k).map { j in rng.nextGaussian() * Foundation.pow(0.5, Double(j)) }
            return (0..<p).map { c in
                var x = 5 + Double(c)
                for j in 0..<k { x += f[j] * w[j * p + c] }
                return x + noise * rng.nextGaussian()
            }
        }
    }

    static func monitor(_ rows: [[Double]], components: Int? = nil) throws -> PCAMonitor {
        var s = SufficientStatistics(dimension: rows[0].count)
        rows.forEach { s.add($0) }
        return try PCAMonitor(statistics: s, components: components)
    }

    static func h0(_ m: PCAMonitor) -> Double {
        1 - 2 * m.theta(1) * m.theta(3) / (3 * m.theta(2) * m.theta(2))
    }

    /// The fraction of `draws` samples of Σ λⱼ·χ²₁ over the residual eigenvalues above `limit`:
    /// the distribution both SPE approximations stand for.
    static func exceedance(_ residual: [Double], limit: Double, draws: Int, seed: UInt64) -> Double {
        var rng = Xoshiro256StarStar(seed: seed)
        let big = residual.filter { $0 > 1e-12 * (residual.max() ?? 0) }
        var over = 0
        for _ in 0..<draws {
            var q = 0.0
            for l in big { let g = rng.nextGaussian(); q += l * g * g }
            if q > limit { over += 1 }
        }
        return Double(over) / Double(draws)
    }

    /// Residual spectra of several shapes (exponential, log-normal, a few large among many
    /// small), set directly on a monitor.
    static func spectra(count: Int, seed: UInt64) -> [[Double]] {
        var rng = Xoshiro256StarStar(seed: seed)
        return (0..<count).map { i in
            let k = 1 + rng.nextInt(below: 80)
            var values: [Double]
            switch i % 3 {
            case 0: values = (0..<k).map { _ in -Foundation.log(1 - rng.nextUniform()) }
            case 1: values = (0..<k).map { _ in Foundation.exp(2 * rng.nextGaussian()) }
            default: values = (0..<(1 + rng.nextInt(below: 3))).map { _ in rng.nextUniform(in: 1, 5) } + (0..<k).map { _ in rng.nextUniform(in: 0, 0.05) }
            }
            return values.sorted(by: >)
        }
    }

    static func withResidual(_ m: PCAMonitor, _ residual: [Double]) -> PCAMonitor {
        var m = m
        m.allEigenvalues = Array(m.allEigenvalues.prefix(m.components)) + residual
        return m
    }

    @Test("99 % limits exceed 95 % limits for every spectrum, including more columns than batches")
    func limitsOrdered() throws {
        var negativeH0 = 0
        // Monitors the component can build: 30 columns from 4 to 40 batches, every A it allows.
        for n in [4, 5, 8, 13, 20, 29, 40] {
            let data = Self.rows(n, p: 30, factors: 4, noise: n % 2 == 0 ? 0.05 : 0.5, seed: UInt64(n))
            for a in [nil] + (1...(n - 2)).map(Optional.some) where a.map({ $0 <= 10 }) ?? true {
                let m = try Self.monitor(data, components: a)
                if Self.h0(m) <= 0 { negativeH0 += 1 }
                for method in [SPELimitMethod.box, .jacksonMudholkar] {
                    let q95 = m.speLimit(0.95, method: method), q99 = m.speLimit(0.99, method: method)
                    #expect(q95 > 0 && q99 > q95, "n \(n), A \(m.components), \(method): SPE 95 % \(q95), 99 % \(q99), h0 \(Self.h0(m))")
                }
                #expect(m.t2Limit(0.95) > 0 && m.t2Limit(0.99) > m.t2Limit(0.95), "n \(n), A \(m.components)")
            }
        }
        // Spectra set directly, wider than data of this size produces.
        let base = try Self.monitor(Self.rows(10, p: 6, factors: 2, noise: 0.1, seed: 1), components: 1)
        for residual in Self.spectra(count: 60, seed: 3) {
            let m = Self.withResidual(base, residual)
            if Self.h0(m) <= 0 { negativeH0 += 1 }
            for method in [SPELimitMethod.box, .jacksonMudholkar] {
                let q95 = m.speLimit(0.95, method: method), q99 = m.speLimit(0.99, method: method)
                #expect(q95 >= m.theta(1) * 0.5 && q99 > q95, "\(method), h0 \(Self.h0(m)): SPE 95 % \(q95), 99 % \(q99)")
            }
        }
        // The spectra that broke the Jackson–Mudholkar formula were among them.
        #expect(negativeH0 >= 10, "only \(negativeH0) spectra with h0 ≤ 0")
    }

    @Test("SPE limits are exceeded at their nominal rate by Σ λⱼ·χ²₁ (Monte Carlo), whatever h0")
    func speExceedanceMatchesNominal() throws {
        let base = try Self.monitor(Self.rows(10, p: 6, factors: 2, noise: 0.1, seed: 1), components: 1)
        // The spectrum of a monitor with more columns than batches (h0 < 0) and synthetic ones.
        // Leaving a strong factor in the residual gives h0 < 0, the spectra that broke the old limit.
        let data = Self.rows(25, p: 40, factors: 3, noise: 0.5, seed: 11)
        let wide = try #require(try (1...8).map { try Self.monitor(data, components: $0) }.first { Self.h0($0) < 0 })
        let residuals = [Array(wide.allEigenvalues.dropFirst(wide.components))] + Self.spectra(count: 9, seed: 5)
        var sum95 = 0.0, sum99 = 0.0
        for (i, residual) in residuals.enumerated() {
            let m = Self.withResidual(base, residual)
            let r95 = Self.exceedance(residual, limit: m.speLimit(0.95), draws: 8000, seed: UInt64(100 + i))
            let r99 = Self.exceedance(residual, limit: m.speLimit(0.99), draws: 8000, seed: UInt64(200 + i))
            // Box's approximation is within about a point of the nominal rate; 8000 draws add ±0.5.
            #expect((0.035...0.07).contains(r95), "spectrum \(i) (h0 \(Self.h0(m))): 95 % limit exceeded by \(r95)")
            #expect((0.002...0.028).contains(r99), "spectrum \(i) (h0 \(Self.h0(m))): 99 % limit exceeded by \(r99)")
            sum95 += r95
            sum99 += r99
        }
        let n = Double(residuals.count)
        #expect(abs(sum95 / n - 0.05) < 0.01 && abs(sum99 / n - 0.01) < 0.006, "mean exceedance \(sum95 / n), \(sum99 / n)")
    }

    @Test("new in-control batches exceed the T² and SPE limits at close to 5 % and 1 %")
    func exceedanceOnNewBatches() throws {
        // More batches than columns: the regime in which both limits are derived.
        var over = [0, 0, 0, 0], total = 0
        for rep in 0..<8 {
            let reference = Self.rows(400, p: 8, factors: 3, noise: 0.3, seed: UInt64(rep), mixingSeed: 40 + UInt64(rep))
            let m = try Self.monitor(reference, components: 3)
            let fresh = Self.rows(400, p: 8, factors: 3, noise: 0.3, seed: 1000 + UInt64(rep), mixingSeed: 40 + UInt64(rep))
            let limits = [m.t2Limit(0.95), m.t2Limit(0.99), m.speLimit(0.95), m.speLimit(0.99)]
            for x in fresh {
                let s = m.score(x)
                for (k, value) in [s.t2, s.t2, s.spe, s.spe].enumerated() where value > limits[k] { over[k] += 1 }
            }
            total += fresh.count
        }
        let rate = over.map { Double($0) / Double(total) }
        #expect((0.035...0.07).contains(rate[0]), "T² 95 %: \(rate[0])")
        #expect((0.003...0.02).contains(rate[1]), "T² 99 %: \(rate[1])")
        #expect((0.035...0.07).contains(rate[2]), "SPE 95 %: \(rate[2])")
        #expect((0.003...0.02).contains(rate[3]), "SPE 99 %: \(rate[3])")
    }

    @Test("limits from three sites' statistics equal limits from the pooled, explicitly centred rows (more columns than batches)")
    func federatedLimitsEqualPooled() throws {
        let p = 40
        let data = Self.rows(27, p: p, factors: 4, noise: 0.05, seed: 17)
        let partitions = [Array(data[0..<12]), Array(data[12..<20]), Array(data[20...])]
        let sites = try partitions.map { rows -> ParameterSet in
            var s = SufficientStatistics(dimension: p)
            rows.forEach { s.add($0) }
            return s.parameterSet
        }
        let federated = try PCAMonitor(statistics: SufficientStatistics(ParameterSet.sum(sites), dimension: p))
        let pooled = try Self.monitor(data)
        func close(_ x: Double, _ y: Double, _ tolerance: Double = 1e-9) -> Bool { abs(x - y) <= tolerance * max(1, abs(y)) }
        #expect(federated.components == pooled.components)
        for level in [0.95, 0.99] {
            #expect(close(federated.speLimit(level), pooled.speLimit(level)), "SPE \(level)")
            #expect(close(federated.t2Limit(level), pooled.t2Limit(level)), "T² \(level)")
        }
        // Independently: two-pass covariance about the global mean, then the correlation spectrum.
        let n = Double(data.count)
        let mean = (0..<p).map { j in data.reduce(0) { $0 + $1[j] } / n }
        var cov = [Double](repeating: 0, count: p * p)
        for row in data {
            for i in 0..<p { for j in 0..<p { cov[i * p + j] += (row[i] - mean[i]) * (row[j] - mean[j]) / (n - 1) } }
        }
        var corr = cov
        for i in 0..<p { for j in 0..<p { corr[i * p + j] = cov[i * p + j] / (cov[i * p + i] * cov[j * p + j]).squareRoot() } }
        let eigen = SymmetricEigen(symmetric: corr, dimension: p).values.map { max($0, 0) }
        #expect(zip(federated.allEigenvalues, eigen).allSatisfy { close($0, $1, 1e-8) })
        let residual = eigen.dropFirst(federated.components)
        let t1 = residual.reduce(0, +), t2 = residual.reduce(0) { $0 + $1 * $1 }
        let box99 = t2 / t1 * ChiSquaredDistribution(t1 * t1 / t2).quantile(0.99)
        #expect(close(federated.speLimit(0.99), box99, 1e-8))
    }
}
