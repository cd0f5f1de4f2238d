import Foundation
import Testing
@testable import TwinKit

@Suite("Robustness")
struct RobustnessTests {
    @Test("non-finite parameters are refused by every component with the tensor's name")
    func nonFiniteParameters() throws {
        let record = HybridTests.site(noiseFree: false, batches: 1).simulate()[0].record
        for id in TwinComponentCatalog.ids where id != "mspc-monitor" {
            let c = TwinComponentCatalog.make(id)!
            var flat = c.initialParameters(seed: 1).flattened()
            flat[3] = .nan
            let bad = try ParameterSet(schema: c.schema, flat: flat)
            #expect(throws: ParameterSetError.nonFinite("layer0.weight")) { try c.evaluate(bad, on: [record]) }
            #expect(throws: ParameterSetError.nonFinite("layer0.weight")) { try c.train(from: bad, on: [record], config: TrainingConfig(epochs: 1)) }
        }
        let mspc = MSPCComponent(unfolding: BatchUnfolding(times: [0, 30]))
        var flat = mspc.initialParameters(seed: 0).flattened()
        flat[0] = .infinity
        #expect(throws: ParameterSetError.nonFinite("mspc.count")) {
            try mspc.evaluate(try ParameterSet(schema: mspc.schema, flat: flat), on: [record])
        }
    }

    @Test("the adaptive integrator stops and reports instead of crashing on a non-finite right-hand side")
    func integratorFailure() {
        let r = DormandPrince45().integrate(from: 0, to: 10, SIMD2<Double>(1, 1)) { t, y in
            t > 3 ? SIMD2(.nan, 0) : SIMD2(-y[0], 0)
        }
        #expect(r.statistics.failed)
        #expect(r.statistics.stoppedAt! <= 3.0 + 1e-9)
        #expect(r.state[0].isFinite)
    }

    @Test("implausible profile values are reported by field")
    func profileValidation() throws {
        var p = try SiteProfileTests.profile("site-a")
        try p.validate()
        p.operating.feedRate = ValueRange(-0.1, 0.04)
        #expect(throws: SiteProfileError.self) { try p.validate() }
        do { try p.validate() } catch let e as SiteProfileError { #expect(e.field == "operating.feedRate") }
        var q = try SiteProfileTests.profile("site-b")
        q.logging.offlineInterval = 0.01
        #expect(throws: SiteProfileError(field: "logging.offlineInterval", reason: "must be at least the online interval")) { try q.validate() }
    }

    @Test("training on batches without biomass assays is an error, not a silent no-op")
    func noAssays() throws {
        var record = HybridTests.site(noiseFree: false, batches: 1).simulate()[0].record
        record.biomass = record.biomass.map { _ in nil }
        #expect(throws: BatchDataError.self) {
            try HybridComponent().train(from: HybridComponent().initialParameters(seed: 1), on: [record], config: TrainingConfig())
        }
        #expect(throws: BatchDataError.self) {
            try NetworkOnlyComponent().train(from: NetworkOnlyComponent().initialParameters(seed: 1), on: [record], config: TrainingConfig())
        }
    }
}
