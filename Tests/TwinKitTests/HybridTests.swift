import Foundation
import Testing
@testable import TwinKit

@Suite("Hybrid twin")
struct HybridTests {
    /// Small, cheap site: 60 h batches logged every 0.5 h, assays every 4 h.
    static func site(strain: KineticMultipliers = .nominal, noiseFree: Bool, batches: Int = 4, seed: UInt64 = 42) -> SiteProfile {
        let window = OperatingWindow(duration: 60, temperature: ValueRange(24, 27), pH: ValueRange(4.9, 5.3),
                                     feedStart: ValueRange(20, 26), feedRate: ValueRange(0.04, 0.06),
                                     initialBiomass: ValueRange(1.0, 1.5), initialSubstrate: ValueRange(10, 12))
        var logging = SimulationSettings()
        logging.onlineInterval = 0.5
        logging.offlineInterval = 4
        let sensors = noiseFree
            ? SensorModel(temperatureNoise: 0, pHNoise: 0, volumeNoise: 0, flowNoise: 0, assayCV: 0, substrateFloor: 0)
            : SensorModel()
        return SiteProfile(name: "t", description: "", seed: seed, batchCount: batches, strain: strain,
                           batchToBatchVariation: 0, operating: window, sensors: sensors, logging: logging)
    }

    @Test("integral rate estimates recover the true specific rates on noise-free data")
    func rateEstimator() throws {
        let p = Self.site(noiseFree: true, batches: 1)
        let (truth, record) = p.simulate()[0]
        let samples = try IntervalRateEstimator(maxSpan: 1).samples(from: record)
        #expect(samples.count == 15)
        let kinetics = PenicillinKinetics.nominal
        // Compare with the true rate averaged over the interval (trapezoid over the log grid).
        for s in samples.prefix(3) { // batch phase: S high, μ nearly constant
            let rows = truth.times.indices.filter { truth.times[$0] >= s.start && truth.times[$0] < s.end }
            let mu = rows.map { i in kinetics.rates(biomass: truth.states[i].biomass, substrate: truth.states[i].substrate,
                                                    temperature: truth.inputs[i].temperature, pH: truth.inputs[i].pH).growth }
            let meanMu = mu.reduce(0, +) / Double(mu.count)
            #expect(abs(s.growth! - meanMu) / meanMu < 0.02, "μ at \(s.start) h: \(s.growth!) vs \(meanMu)")
        }
        // Fed phase: uptake is dominated by the (exactly known) feed term.
        let fed = samples.last!
        let i = truth.times.firstIndex { $0 >= (fed.start + fed.end) / 2 }!
        let sigma = kinetics.rates(biomass: truth.states[i].biomass, substrate: truth.states[i].substrate,
                                   temperature: truth.inputs[i].temperature, pH: truth.inputs[i].pH).uptake
        #expect(abs(fed.uptake! - sigma) / sigma < 0.05)
    }

    @Test("an untrained hybrid is exactly the mechanistic baseline")
    func untrainedIsMechanistic() throws {
        let record = Self.site(noiseFree: false, batches: 1).simulate()[0].record
        let component = HybridComponent()
        let hybrid = HybridBioreactorModel(rates: try component.rateModel(component.initialParameters(seed: 3)))
        let a = try hybrid.simulate(record)
        let b = try MechanisticBaseline().simulate(record)
        // Equal up to rounding: the hybrid re-derives uptake as μ/Y_x/s + π/Y_p/s + m.
        let worst = zip(a, b).map { max(abs($0.biomass - $1.biomass), abs($0.substrate - $1.substrate), abs($0.product - $1.product)) }.max()!
        #expect(worst < 1e-9)
    }

    @Test("hybrid learns a faster strain from noisy data, deterministically, and beats nominal kinetics")
    func learnsStrain() throws {
        let strain = KineticMultipliers(growth: 1.3, production: 0.6, maintenance: 1.5)
        let train = Self.site(strain: strain, noiseFree: false, batches: 4, seed: 1).simulate().map(\.record)
        let test = Self.site(strain: strain, noiseFree: false, batches: 2, seed: 2).simulate().map(\.record)
        let component = HybridComponent()
        let config = TrainingConfig(epochs: 60, batchSize: 16, learningRate: 0.01, seed: 5, weightDecay: 0.01)
        let start = component.initialParameters(seed: 9)
        let r1 = try component.train(from: start, on: train, config: config)
        let r2 = try component.train(from: start, on: train, config: config)
        #expect(r1 == r2)
        #expect(r1.samples == 4 * 15)
        #expect(r1.metrics["train_loss"]! < 0.5 * r1.metrics["train_loss_initial"]!)
        let learned = try component.trajectoryMetrics(r1.parameters, on: test)
        let nominal = try MechanisticBaseline().evaluate(on: test)
        #expect(learned.rmseBiomass < 0.7 * nominal.rmseBiomass)
        #expect(learned.rmseProduct < 0.7 * nominal.rmseProduct)
        let metrics = try component.evaluate(r1.parameters, on: test)
        #expect(Set(metrics.keys).isSuperset(of: ["rmse_X", "rmse_S", "rmse_P", "final_titre_rmse"]))
    }

    @Test("network-only baseline trains on the same intervals and simulates without balances")
    func networkOnly() throws {
        let train = Self.site(noiseFree: false, batches: 3, seed: 1).simulate().map(\.record)
        let component = NetworkOnlyComponent()
        let start = component.initialParameters(seed: 1)
        #expect(start.schema == component.schema)
        let r = try component.train(from: start, on: train, config: TrainingConfig(epochs: 40, batchSize: 16, learningRate: 0.01, seed: 2))
        #expect(r.metrics["train_loss"]! < r.metrics["train_loss_initial"]!)
        let m = try component.trajectoryMetrics(r.parameters, on: [train[0]])
        #expect(m.rmseBiomass.isFinite && m.rmseProduct.isFinite)
        let sim = try component.model(r.parameters).simulate(train[0])
        #expect(sim.allSatisfy { $0.substrate >= -1e-9 && $0.biomass >= -1e-9 })
        // Wrong schema is refused rather than misread.
        #expect(throws: ParameterSetError.self) { try component.train(from: HybridComponent().initialParameters(seed: 1), on: train, config: TrainingConfig()) }
    }

    @Test("logged volume can replace the volume balance, e.g. for an unlogged discharge")
    func loggedVolume() throws {
        var record = Self.site(noiseFree: true, batches: 1).simulate()[0].record
        // 20 L leave at 30 h without a logged withdrawal: only the volume log shows it.
        record.volume = zip(record.time, record.volume).map { t, v in t >= 30 ? v.map { $0 - 20 } : v }
        let model = MechanisticBaseline()
        let byBalance = try model.simulate(record)
        let byLog = try model.simulate(record, using: RecordedInputSimulation(volumeSource: .logged))
        let lastV = record.volume.last!!
        #expect(abs(byLog.last!.volume - lastV) < 1e-9)
        #expect(abs(byBalance.last!.volume - lastV - 20) < 0.5)
        // The same feed into a smaller volume gives more substrate per litre, so more biomass
        // per litre after the discharge; before it the two runs are identical.
        #expect(byLog.last!.biomass > byBalance.last!.biomass)
        let before = record.time.lastIndex { $0 < 30 }!
        #expect(abs(byLog[before].biomass - byBalance[before].biomass) < 1e-9 * byBalance[before].biomass)
        #expect(abs(byLog[before].volume - byBalance[before].volume) < 1e-9 * byBalance[before].volume)
    }

    @Test("evaluation reports the mechanistic baseline alongside, and can score against simulator truth")
    func evaluationExtras() throws {
        let profile = Self.site(noiseFree: false, batches: 2, seed: 8)
        let runs = profile.simulate()
        let records = runs.map(\.record)
        let truth = runs.map { profile.truthRecord($0.truth, batchID: $0.record.batchID) }
        let component = HybridComponent()
        let p = component.initialParameters(seed: 1)
        let metrics = try component.evaluate(p, on: records)
        let baseline = try MechanisticBaseline().evaluate(on: records)
        #expect(abs(metrics["mechanistic_rmse_P"]! - baseline.rmseProduct) < 1e-12)
        // Untrained hybrid = mechanistic, so their numbers agree (to rounding).
        #expect(abs(metrics["rmse_X"]! - metrics["mechanistic_rmse_X"]!) < 1e-9)
        let vsTruth = try component.trajectoryMetrics(p, on: records, reference: truth)
        let vsAssays = try component.trajectoryMetrics(p, on: records)
        #expect(vsTruth.rmseBiomass < vsAssays.rmseBiomass) // assay noise no longer counted as error
        #expect(vsTruth.assays == vsAssays.assays)
    }
}
