import Foundation
import Testing
@testable import TwinKit

@Suite("Bioreactor")
struct BioreactorTests {
    static let noFeed = ReactorInputs(feedRate: 0, substrateInflow: 0, withdrawalRate: 0, temperature: 25, pH: 5)

    @Test("RK4 matches exponential growth with constant μ (analytic)")
    func analyticGrowth() {
        let mu = 0.08
        let balance = FedBatchBalance(hydrolysis: 0, evaporation: .none)
        let rates = SpecificRates(growth: mu, uptake: 0, production: 0)
        let rk = RungeKutta4(maxStep: 0.5)
        let y0 = SIMD4<Double>(0.1, 10, 0, 100)
        let y = rk.integrate(from: 0, to: 50, y0) { _, y in balance.derivative(y, rates: rates, inputs: Self.noFeed) }
        let exact = 0.1 * exp(mu * 50)
        #expect(abs(y[0] - exact) / exact < 1e-7)
        #expect(y[1] == 10 && y[3] == 100)
    }

    @Test("pure dilution by feeding matches the analytic solution")
    func analyticDilution() {
        // No reaction, feed F with substrate s_f into V0 holding S0: V = V0 + F t,
        // S V = S0 V0 + F s_f t, and X V = X0 V0.
        let f = 2.0, sf = 300.0, v0 = 50.0, s0 = 5.0, x0 = 3.0
        let balance = FedBatchBalance(hydrolysis: 0, evaporation: .none)
        let zero = SpecificRates(growth: 0, uptake: 0, production: 0)
        let u = ReactorInputs(feedRate: f, substrateInflow: f * sf, withdrawalRate: 0, temperature: 25, pH: 5)
        let y = RungeKutta4(maxStep: 0.25).integrate(from: 0, to: 20, SIMD4(x0, s0, 0, v0)) { _, y in
            balance.derivative(y, rates: zero, inputs: u)
        }
        let v = v0 + f * 20
        #expect(abs(y[3] - v) < 1e-9)
        #expect(abs(y[1] - (s0 * v0 + f * sf * 20) / v) < 1e-9)
        #expect(abs(y[0] - x0 * v0 / v) < 1e-9)
    }

    @Test("no feed and no reaction: all masses and the volume stay constant")
    func massClosureClosed() {
        let balance = FedBatchBalance(hydrolysis: 0, evaporation: .none)
        let zero = SpecificRates(growth: 0, uptake: 0, production: 0)
        let y0 = SIMD4<Double>(4, 7, 0.5, 80)
        let y = RungeKutta4(maxStep: 0.1).integrate(from: 0, to: 100, y0) { _, y in
            balance.derivative(y, rates: zero, inputs: Self.noFeed)
        }
        #expect(y == y0)
    }

    @Test("with feed, uptake, withdrawal and evaporation, substrate mass is fully accounted for")
    func substrateMassBalance() {
        // d(SV)/dt = −σ X V + F s_f − W S, integrate the right-hand side alongside.
        let kinetics = PenicillinKinetics.nominal
        let model = MechanisticModel(kinetics: kinetics, evaporation: .nominal)
        let u = ReactorInputs(feedRate: 0.05, substrateInflow: 0.05 * 600, withdrawalRate: 0.02, temperature: 26, pH: 5.1)
        // Augmented state: (X, S, P, V) plus the cumulative substrate ledger in a second vector.
        let rk = RungeKutta4(maxStep: 0.02)
        var y = SIMD8<Double>(5, 2, 0.1, 90, 0, 0, 0, 0)
        y = rk.integrate(from: 0, to: 30, y) { _, z in
            let s = SIMD4(z[0], z[1], z[2], z[3])
            let d = model.derivative(s, inputs: u)
            let r = kinetics.rates(biomass: z[0], substrate: z[1], temperature: u.temperature, pH: u.pH)
            let consumed = r.uptake * z[0] * z[3]
            return SIMD8(d[0], d[1], d[2], d[3], consumed, u.substrateInflow, u.withdrawalRate * z[1], 0)
        }
        let initialMass = 2.0 * 90
        let finalMass = y[1] * y[3]
        let ledger = initialMass - y[4] + y[5] - y[6]
        #expect(abs(finalMass - ledger) < 1e-8 * initialMass)
        #expect(y[4] > 10) // the test is not vacuous: a lot of substrate was consumed
    }

    @Test("PenSim factors have their documented values")
    func kineticFactors() {
        let k = PenicillinKinetics.nominal
        #expect(abs(k.temperatureFactor(celsius: 25) - 1.27736) < 1e-4) // 7e3·e^(−5100/(1.987·298.15)) − 1e33·e^(−50000/(1.987·298.15))
        #expect(abs(k.pHFactor(5) - 1 / (1 + 1e-5 + 1e-5 / 7e-5)) < 1e-12)
        let r = k.rates(biomass: 10, substrate: 0, temperature: 25, pH: 5)
        #expect(r == SpecificRates(growth: 0, uptake: 0, production: 0))
    }

    @Test("simulated batch at the default tolerance agrees with a 1000× tighter reference to < 1e-6 relative")
    func stepAccuracy() {
        var settings = SimulationSettings()
        settings.onlineInterval = 0.5
        // Feed starts after the substrate has run out: the stiff starvation phase is included.
        let recipe = BatchRecipe(duration: 120, initialState: ReactorState(biomass: 0.1, substrate: 15, product: 0, volume: 100),
                                 temperature: 25, pH: 5, feedStart: 45, feedRate: 0.045)
        var tight = settings
        tight.relativeTolerance = 1e-10
        tight.absoluteTolerance = 1e-12
        var r1 = Xoshiro256StarStar(seed: 1)
        var r2 = Xoshiro256StarStar(seed: 1)
        let a = FedBatchSimulator(model: MechanisticModel(), settings: settings).simulate(recipe, rng: &r1)
        let b = FedBatchSimulator(model: MechanisticModel(), settings: tight).simulate(recipe, rng: &r2)
        var worst = 0.0
        for (u, v) in zip(a.states, b.states) {
            worst = max(worst, abs(u.biomass - v.biomass) / max(v.biomass, 1e-3))
            worst = max(worst, abs(u.product - v.product) / max(v.product, 1e-3))
            worst = max(worst, abs(u.substrate - v.substrate) / max(v.substrate, 1e-2))
        }
        #expect(worst < 1e-6)
        #expect(a.states.allSatisfy { $0.substrate > -1e-8 }) // non-negative up to the absolute tolerance
        // Plausibility against PenSim behaviour: S is used up, biomass and titre rise.
        let last = a.states[a.states.count - 1]
        #expect(last.biomass > 8 && last.biomass < 20)
        #expect(last.product > 0.3 && last.product < 2)
        #expect(last.substrate < 0.5)
    }

    @Test("adaptive integrator meets its tolerance on exponential decay and adapts its step")
    func adaptiveAnalytic() {
        let dp = DormandPrince45(relativeTolerance: 1e-8, absoluteTolerance: 1e-12, maxStep: 10)
        let r = dp.integrate(from: 0, to: 5, SIMD2<Double>(1, 1)) { _, y in SIMD2(-y[0], -200 * (y[1] - 1) - 0) }
        #expect(abs(r.state[0] - exp(-5)) < 1e-8)
        #expect(abs(r.state[1] - 1) < 1e-8)
        // A stiff component forces small steps: far more than the 1 step maxStep would allow.
        #expect(r.statistics.accepted > 20)
    }

    @Test("simulator logs assays on schedule, withdraws sample volume, and is deterministic")
    func simulatorLogging() {
        var settings = SimulationSettings()
        settings.onlineInterval = 0.5
        settings.offlineInterval = 8
        settings.sampleVolume = 0.1
        let recipe = BatchRecipe(duration: 40, initialState: ReactorState(biomass: 0.1, substrate: 15, product: 0, volume: 100),
                                 temperature: 25, pH: 5, feedStart: 30, feedRate: 0.05)
        settings.relativeTolerance = 1e-10
        let sim = FedBatchSimulator(model: MechanisticModel(evaporation: .none), settings: settings)
        var r1 = Xoshiro256StarStar(seed: 3)
        var r2 = Xoshiro256StarStar(seed: 3)
        let a = sim.simulate(recipe, rng: &r1)
        let b = sim.simulate(recipe, rng: &r2)
        #expect(a == b)
        #expect(a.times.count == 81)
        #expect(a.assayed.enumerated().filter(\.element).map(\.offset) == [0, 16, 32, 48, 64, 80])
        // Volume: +feed from 30 h, −0.1 L per assay except the final one.
        let fed = zip(a.times, a.inputs).dropLast().reduce(0.0) { $0 + $1.1.feedRate * 0.5 }
        let expected = 100 + fed - 0.1 * 5
        #expect(abs(a.states.last!.volume - expected) < 1e-9)
    }
}
