import Foundation
import Testing
@testable import TwinKit

@Suite("Distributions and linear algebra")
struct DistributionTests {
    // Reference values from statistical tables (checked with scipy.stats).
    @Test("F quantiles match table values", arguments: [
        (3.0, 20.0, 0.95, 3.098391212140781), (2.0, 10.0, 0.99, 7.559432157547899),
        (1.0, 1.0, 0.95, 161.4476387975882), (5.0, 37.0, 0.99, 3.5579183948065265),
    ])
    func fQuantiles(d1: Double, d2: Double, p: Double, expected: Double) {
        let q = FDistribution(d1, d2).quantile(p)
        #expect(abs(q - expected) / expected < 1e-9)
    }

    @Test("chi-square quantiles match table values, including fractional degrees", arguments: [
        (1.0, 0.95, 3.841458820694124), (10.0, 0.99, 23.209251158954356),
        (2.0, 0.95, 5.991464547107979), (3.7, 0.99, 12.712447074337264),
    ])
    func chiSquaredQuantiles(k: Double, p: Double, expected: Double) {
        let q = ChiSquaredDistribution(k).quantile(p)
        #expect(abs(q - expected) / expected < 1e-9)
    }

    @Test("normal quantiles and incomplete beta/gamma match reference values")
    func basics() {
        #expect(abs(NormalDistribution.quantile(0.975) - 1.959963984540054) < 1e-12)
        #expect(abs(NormalDistribution.quantile(0.99) - 2.3263478740408408) < 1e-12)
        #expect(abs(SpecialFunctions.incompleteBeta(0.4, a: 2.5, b: 3.5) - 0.4869041915261176) < 1e-13)
        #expect(abs(SpecialFunctions.lowerIncompleteGamma(3.5, 2.0) - 0.22022259152428406) < 1e-13)
        #expect(abs(SpecialFunctions.lowerIncompleteGamma(2.0, 30.0) - (1 - 31 * exp(-30.0))) < 1e-13)
    }

    @Test("Jacobi eigen-decomposition reconstructs the matrix with orthonormal vectors")
    func eigen() {
        let n = 6
        var rng = Xoshiro256StarStar(seed: 4)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in i..<n { let v = rng.nextGaussian(); a[i * n + j] = v; a[j * n + i] = v } }
        let e = SymmetricEigen(symmetric: a, dimension: n)
        #expect(zip(e.values, e.values.dropFirst()).allSatisfy { $0 >= $1 })
        for i in 0..<n {
            for j in 0..<n {
                var recon = 0.0, dot = 0.0
                for k in 0..<n {
                    recon += e.vectors[i * n + k] * e.values[k] * e.vectors[j * n + k]
                    dot += e.vectors[k * n + i] * e.vectors[k * n + j]
                }
                #expect(abs(recon - a[i * n + j]) < 1e-12)
                #expect(abs(dot - (i == j ? 1 : 0)) < 1e-12)
            }
        }
    }
}
