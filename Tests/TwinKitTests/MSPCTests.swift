import Foundation
import Testing
@testable import TwinKit

@Suite("MSPC monitor")
struct MSPCTests {
    /// Correlated synthetic rows: 3 latent factors mixed into p columns plus noise.
    static func rows(_ n: Int, p: Int, seed: UInt64) -> [[Double]] {
        var rng = Xoshiro256StarStar(seed: seed)
        var mixing = Xoshiro256StarStar(seed: 999)
        let w = (0..<(3 * p)).map { _ in mixing.nextGaussian() }
        return (0..<n).map { _ in
            let f = (0..<3).map { _ in rng.nextGaussian() }
            return (0..<p).map { j in 10 + Double(j) + f[0] * w[j] + f[1] * w[p + j] + 0.5 * f[2] * w[2 * p + j] + 0.1 * rng.nextGaussian() }
        }
    }

    @Test("PCA from summed site statistics equals pooled PCA to 1e-9")
    func federatedEqualsPooled() throws {
        let p = 12
        let data = Self.rows(45, p: p, seed: 1)
        var pooled = SufficientStatistics(dimension: p)
        data.forEach { pooled.add($0) }
        let sites = [Array(data[0..<20]), Array(data[20..<32]), Array(data[32...])]
        let siteStats = sites.map { rows -> ParameterSet in
            var s = SufficientStatistics(dimension: p)
            rows.forEach { s.add($0) }
            return s.parameterSet
        }
        let summed = try SufficientStatistics(ParameterSet.sum(siteStats), dimension: p)
        let a = try PCAMonitor(statistics: pooled, components: 3)
        let b = try PCAMonitor(statistics: summed, components: 3)
        func close(_ x: Double, _ y: Double) -> Bool { abs(x - y) <= 1e-9 * max(1, abs(y)) }
        #expect(zip(a.mean, b.mean).allSatisfy(close))
        #expect(zip(a.allEigenvalues, b.allEigenvalues).allSatisfy(close))
        #expect(zip(a.loadings, b.loadings).allSatisfy(close))
        #expect(close(a.t2Limit(0.99), b.t2Limit(0.99)) && close(a.speLimit(0.99), b.speLimit(0.99)))
        let probe = Self.rows(1, p: p, seed: 77)[0]
        #expect(close(a.score(probe).t2, b.score(probe).t2))
        #expect(close(a.score(probe).spe, b.score(probe).spe))
        // Three factors carry almost all of the variance.
        #expect(a.allEigenvalues.prefix(3).reduce(0, +) > 0.95 * Double(p))
    }

    @Test("T² and SPE limits follow their formulas")
    func limits() throws {
        let p = 12
        var s = SufficientStatistics(dimension: p)
        Self.rows(23, p: p, seed: 2).forEach { s.add($0) }
        let m = try PCAMonitor(statistics: s, components: 3)
        // T²: A(n²−1)/(n(n−A)) · F_0.95(3, 20), F from tables.
        let expectedT2 = 3.0 * (23 * 23 - 1) / (23.0 * 20) * 3.098391212140781
        #expect(abs(m.t2Limit(0.95) - expectedT2) < 1e-9 * expectedT2)
        // SPE, Jackson–Mudholkar with z_0.99 from tables.
        let residual = m.allEigenvalues.dropFirst(3)
        let t1 = residual.reduce(0, +), t2 = residual.reduce(0) { $0 + $1 * $1 }, t3 = residual.reduce(0) { $0 + $1 * $1 * $1 }
        let h0 = 1 - 2 * t1 * t3 / (3 * t2 * t2)
        let z = 2.3263478740408408
        let jm = t1 * pow(z * (2 * t2 * h0 * h0).squareRoot() / t1 + 1 + t2 * h0 * (h0 - 1) / (t1 * t1), 1 / h0)
        #expect(h0 > 0)
        #expect(abs(m.speLimit(0.99, method: .jacksonMudholkar) - jm) < 1e-9 * jm)
        // Box: g·χ²_h, the default.
        let box = (t2 / t1) * ChiSquaredDistribution(t1 * t1 / t2).quantile(0.95)
        #expect(abs(m.speLimit(0.95, method: .box) - box) < 1e-12 * box)
        #expect(m.speLimit(0.95) == m.speLimit(0.95, method: .box))
        // The two approximations agree roughly, and 99 % limits exceed 95 % limits.
        #expect(abs(m.speLimit(0.95, method: .box) / m.speLimit(0.95, method: .jacksonMudholkar) - 1) < 0.2)
        #expect(m.t2Limit(0.99) > m.t2Limit(0.95) && m.speLimit(0.99) > m.speLimit(0.95))
    }

    @Test("monitor component: sums across sites, accepts normal batches, flags and explains a disturbed one")
    func component() throws {
        var profile = HybridTests.site(noiseFree: false, batches: 14, seed: 21)
        profile.batchToBatchVariation = 0.02
        let records = profile.simulate().map(\.record)
        let component = MSPCComponent(unfolding: BatchUnfolding(times: [0, 15, 30, 45, 60]), components: 3)
        #expect(component.aggregation == .sum)
        let zero = component.initialParameters(seed: 0)
        let r1 = try component.train(from: zero, on: Array(records[0..<6]), config: TrainingConfig())
        let r2 = try component.train(from: zero, on: Array(records[6..<12]), config: TrainingConfig())
        #expect(r1.samples == 6)
        let global = try ParameterSet.sum([r1.parameters, r2.parameters])
        let metrics = try component.evaluate(global, on: Array(records[12...]))
        #expect(metrics["reference_batches"] == 12)
        #expect(metrics["in_control_99"]! >= 0.5)
        // A temperature probe stuck 3 °C high is out of control, and T is the top contributor.
        var bad = records[12]
        bad.temperature = bad.temperature.map { $0.map { $0 + 3 } }
        let verdict = try component.assess(bad, with: component.monitor(global))
        #expect(!verdict.inControl)
        #expect(verdict.topContributors.first?.variable == "T")
        // Batches shorter than the monitoring window are refused, not silently padded.
        var short = records[13]
        short.time = Array(short.time.prefix(10))
        #expect(throws: BatchDataError.self) { try component.assess(short, with: component.monitor(global)) }
    }
}
