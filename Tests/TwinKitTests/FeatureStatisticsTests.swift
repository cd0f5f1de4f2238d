import Foundation
import Testing
@testable import TwinKit

@Suite("Feature statistics round")
struct FeatureStatisticsTests {
    /// Three sites with different strains and seeds (noisy sensors), small batches.
    static let sites: [[BatchRecord]] = [
        HybridTests.site(strain: .nominal, noiseFree: false, batches: 2, seed: 3),
        HybridTests.site(strain: KineticMultipliers(growth: 1.4, production: 0.7), noiseFree: false, batches: 3, seed: 5),
        HybridTests.site(strain: KineticMultipliers(growth: 0.8, production: 1.2), noiseFree: false, batches: 2, seed: 9),
    ].map { $0.simulate().map(\.record) }

    static func component() throws -> FeatureStatisticsComponent {
        let (spec, hash) = try TwinSpec.load(TwinSpecTests.penicillinURL)
        return FeatureStatisticsComponent(target: try SpecHybridComponent(spec: spec, specHash: hash))
    }

    static func relativeClose(_ a: [Double], _ b: [Double], _ tol: Double = 1e-9) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tol * max(abs($0), abs($1), 1e-300) }
    }

    @Test("federated = pooled: the sum of each site's statistics (the coordinator's sum aggregation) gives the scaling of all samples at once to 1e-9 relative, and the two-pass local scaling too")
    func federatedEqualsPooled() throws {
        let c = try Self.component()
        #expect(c.id == "feature-statistics")
        #expect(c.aggregation == .sum)
        #expect(c.featureNames == c.target.scalingFeatureNames)
        let config = TrainingConfig(seed: 1)
        let contributions = try Self.sites.map { try c.train(from: c.initialParameters(seed: 0), on: $0, config: config) }
        for r in contributions { #expect(r.warnings.isEmpty, "\(r.warnings)") }
        let summed = try ParameterSet.sum(contributions.map(\.parameters))
        let federated = try c.scaling(summed)

        let all = Self.sites.flatMap { $0 }
        let pooled = try c.scaling(try c.train(from: c.initialParameters(seed: 0), on: all, config: config).parameters)
        #expect(federated.names == pooled.names)
        #expect(Self.relativeClose(federated.mean, pooled.mean), "\(federated.mean) vs \(pooled.mean)")
        #expect(Self.relativeClose(federated.std, pooled.std), "\(federated.std) vs \(pooled.std)")

        let spec = try #require(c.target as? SpecHybridComponent)
        let twoPass = try spec.localScaling(all)
        #expect(Self.relativeClose(federated.mean, twoPass.mean), "\(federated.mean) vs \(twoPass.mean)")
        #expect(Self.relativeClose(federated.std, twoPass.std), "\(federated.std) vs \(twoPass.std)")
        // Counts are exact sample counts.
        let stats = try FeatureStatistics(summed, names: c.featureNames)
        let samples = try spec.scalingSamples(all)
        #expect(stats.count == samples.map { Double($0.count) })
        #expect(stats.count.allSatisfy { $0 > 10 })

        // The scaling fixes the target's; the sites' evaluation of the sum is within it.
        let scaled = try spec.withScaling(federated)
        #expect(scaled.scaling == federated)
        let m = try c.evaluate(summed, on: Self.sites[0])
        #expect(m["features"] == Double(c.featureNames.count))
        #expect(m["min_count"] == stats.count.min())
        #expect(m["held_out_out_of_scaling"]! < 0.01)
    }

    @Test("merge is the element-wise sum; merging other features is refused")
    func merge() throws {
        var a = FeatureStatistics(names: ["x", "y"])
        a.add(1, feature: 0); a.add(3, feature: 0); a.add(-2, feature: 1)
        let b = FeatureStatistics(names: ["x", "y"], samples: [[5], [4, .nan, 6]])
        let m = try a.merged(with: b)
        #expect(m.count == [3, 3])
        #expect(m.sum == [9, 8])
        #expect(m.sumOfSquares == [35, 56])
        #expect(m.mean == [3, 8.0 / 3])
        #expect(abs(m.standardDeviation[0] - 2) < 1e-12)
        #expect(throws: FeatureStatisticsError.self) { try a.merged(with: FeatureStatistics(names: ["y", "x"])) }
        #expect(try FeatureStatistics(m.parameterSet, names: ["x", "y"]) == m)
    }

    @Test("refusals: a feature without samples, a fractional or negative count, a negative Σx², a wrong schema")
    func refusals() throws {
        let empty = FeatureStatistics(names: ["biomass", "pH"], samples: [[1, 2], []])
        #expect(throws: FeatureStatisticsError(reason: "feature 'pH' has no samples at any site (no data column measures it?)")) { try empty.scaling() }
        let schema = FeatureStatistics.schema(features: 1)
        for flat in [[1.5, 1, 1], [-1, 1, 1], [2, 1, -1]] {
            #expect(throws: FeatureStatisticsError.self) { try FeatureStatistics(try ParameterSet(schema: schema, flat: flat), names: ["x"]) }
        }
        #expect(throws: ParameterSetError.self) { try FeatureStatistics(try ParameterSet(schema: schema, flat: [1, .infinity, 1]), names: ["x"]) }
        #expect(throws: (any Error).self) { try FeatureStatistics(try ParameterSet(schema: schema, flat: [1, 1, 1]), names: ["x", "y"]) }
        let c = try Self.component()
        #expect(throws: (any Error).self) {
            try c.train(from: .zeros(schema), on: Self.sites[0], config: TrainingConfig())
        }
    }
}
