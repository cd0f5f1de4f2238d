import Foundation
import Testing
@testable import TwinKit

@Suite("Spec model")
struct SpecModelTests {
    static func spec(_ url: URL) throws -> TwinSpec { try TwinSpec.load(url).spec }

    /// A scaling with plausible centres for every network input of a spec (not fitted).
    static func scaling(_ spec: TwinSpec) -> FeatureScaling {
        let names = spec.network.inputs.map(\.featureName)
        return FeatureScaling(names: names, mean: names.map { $0.hasPrefix("log:") ? -1 : ($0 == "pH" ? 6 : 2) },
                              std: names.map { $0 == "pH" ? 0.4 : 1.5 })
    }

    /// θ with every log parameter moved inside its bounds and random network weights, so
    /// every output and correction is away from its zero start.
    static func perturbedTheta(_ model: SpecModel, seed: UInt64) -> [Double] {
        var rng = Xoshiro256StarStar(seed: seed)
        var θ = model.initialTheta(network: MLP(layerSizes: model.layerSizes!, seed: seed).parameters.map { $0 * 0.7 })
        for (i, p) in model.spec.parameters.enumerated() {
            let lo = Foundation.log(p.min), hi = Foundation.log(p.max)
            θ[i] = min(hi - 0.05, max(lo + 0.05, θ[i] + 0.3 * rng.nextGaussian()))
        }
        return θ
    }

    static func inputs(_ model: SpecModel, feed: Double, withdrawal: Double, evaporation: Double?, seed: UInt64) -> SpecInputs {
        var rng = Xoshiro256StarStar(seed: seed)
        let inflow = model.stateNames.indices.map { $0 == model.volumeIndex ? 0 : rng.nextUniform(in: 0, 2) }
        let recorded = model.recordedNames.map { $0 == "temperature" ? 25.5 : ($0 == "pH" ? 5.1 : 1.0) }
        return SpecInputs(volumeFeed: feed, withdrawal: withdrawal, evaporation: evaporation, inflow: inflow, recorded: recorded)
    }

    /// A state with every concentration well inside (0, ∞) and away from kinks.
    static func state(_ model: SpecModel, seed: UInt64) -> [Double] {
        var rng = Xoshiro256StarStar(seed: seed)
        return model.stateNames.indices.map { $0 == model.volumeIndex ? rng.nextUniform(in: 60, 110) : rng.nextUniform(in: 0.05, 4) }
    }

    @Test("the penicillin spec at its initial values with a zero network output is PenSim's nominal mechanistic model")
    func penicillinMatchesMechanistic() throws {
        let spec = try Self.spec(TwinSpecTests.penicillinURL)
        let model = try SpecModel(spec: spec, scaling: Self.scaling(spec))
        let θ = model.initialTheta(network: model.initialNetworkParameters(seed: 3))
        let mech = MechanisticModel()
        for (x, s, p, v, t, pH) in [(1.2, 12.0, 0.0, 80.0, 25.0, 5.0), (9.0, 0.05, 0.8, 95.0, 26.5, 5.3), (20.0, 0.001, 1.6, 110.0, 24.0, 4.9)] {
            let feed = 0.05, sf = 500.0
            let e = EvaporationModel.nominal.rate(volume: v, temperature: t)
            let u = ReactorInputs(feedRate: feed, substrateInflow: feed * sf, withdrawalRate: 0.01, temperature: t, pH: pH, evaporationRate: e)
            let expected = mech.derivative(SIMD4(x, s, p, v), inputs: u)
            let got = model.derivative([x, s, p, v], time: 10, inputs: SpecInputs(volumeFeed: feed, withdrawal: 0.01, evaporation: e,
                                                                                inflow: [0, feed * sf, 0, 0], recorded: [t, pH]), parameters: θ)
            for k in 0..<4 {
                #expect(abs(got[k] - expected[k]) <= 1e-12 * max(1, abs(expected[k])), "state \(k): \(got[k]) vs \(expected[k])")
            }
        }
    }

    @Test("the CHO spec at its initial values with a zero network output is the CHO simulator's nominal model at 37 °C and pH 7")
    func choMatchesCellCultureModel() throws {
        let spec = try Self.spec(TwinSpecTests.choURL)
        let model = try SpecModel(spec: spec, scaling: Self.scaling(spec))
        let θ = model.initialTheta(network: model.initialNetworkParameters(seed: 3))
        let sim = CellCultureModel()
        // At the reference temperature and pH the simulator's temperature and pH factors are 1,
        // which is where the spec (which leaves them to the network) and the simulator coincide.
        for y in [[0.4, 6.0, 0.6, 0.02, 0.015, 0.0, 5.0], [8.0, 2.5, 0.05, 2.8, 0.3, 0.9, 5.6], [15.0, 0.3, 0.002, 4.5, 0.6, 2.4, 6.1]] {
            let u = CellCultureInputs(feedRate: 0.005, glucoseInflow: 0.005 * 105, glutamineInflow: 0.005 * 2.3, withdrawalRate: 0.0008,
                                      temperature: 37, pH: 7, dissolvedOxygen: 40)
            let expected = sim.derivative(SIMD8(y[0], y[1], y[2], y[3], y[4], y[5], y[6], 0), inputs: u)
            let got = model.derivative(y, time: 0, inputs: SpecInputs(volumeFeed: 0.005, withdrawal: 0.0008, evaporation: nil,
                                                                      inflow: [0, 0.005 * 105, 0.005 * 2.3, 0, 0, 0, 0], recorded: [37, 7]),
                                       parameters: θ)
            for k in 0..<7 {
                #expect(abs(got[k] - expected[k]) <= 1e-9 * max(1e-6, abs(expected[k])), "\(model.stateNames[k]): \(got[k]) vs \(expected[k])")
            }
        }
    }

    /// Central differences of f along every state and parameter, against the pullback, for
    /// several cotangents. Relative error bound 1e-6 with an absolute floor of 1e-9
    /// (central differences of a smooth function with steps 1e-6 are good to ~1e-9).
    static func checkPullback(_ url: URL, evaporation: Double?) throws {
        let spec = try Self.spec(url)
        let model = try SpecModel(spec: spec, scaling: Self.scaling(spec))
        for seed in UInt64(1)...3 {
            let θ = Self.perturbedTheta(model, seed: seed)
            let y = Self.state(model, seed: seed + 10)
            let u = Self.inputs(model, feed: 0.07, withdrawal: 0.02, evaporation: evaporation, seed: seed + 20)
            var rng = Xoshiro256StarStar(seed: seed + 30)
            let λ = (0..<model.stateCount).map { _ in rng.nextGaussian() }
            let (gy, gθ) = model.pullback(y, time: 30, inputs: u, parameters: θ, cotangent: λ)
            func projected(_ y: [Double], _ θ: [Double]) -> Double {
                zip(model.derivative(y, time: 30, inputs: u, parameters: θ), λ).reduce(0) { $0 + $1.0 * $1.1 }
            }
            func check(_ analytic: Double, _ plus: Double, _ minus: Double, _ h: Double, _ what: String) {
                let fd = (plus - minus) / (2 * h)
                let error = abs(analytic - fd) / max(abs(analytic), abs(fd), 1e-9)
                #expect(error < 1e-6 || abs(analytic - fd) < 1e-9, "\(spec.id) \(what): pullback \(analytic) vs FD \(fd)")
            }
            for k in 0..<model.stateCount {
                let h = 1e-6 * max(1, abs(y[k]))
                var p = y, m = y
                p[k] += h; m[k] -= h
                check(gy[k], projected(p, θ), projected(m, θ), h, "∂/∂\(model.stateNames[k])")
            }
            for i in 0..<model.parameterCount {
                let h = 1e-6 * max(1, abs(θ[i]))
                var p = θ, m = θ
                p[i] += h; m[i] -= h
                check(gθ[i], projected(y, p), projected(y, m), h, "∂/∂θ[\(i)]")
            }
        }
    }

    @Test("pullback equals finite differences of the derivative: penicillin spec (evaporation law and logged)")
    func penicillinPullback() throws {
        try Self.checkPullback(TwinSpecTests.penicillinURL, evaporation: nil)
        try Self.checkPullback(TwinSpecTests.penicillinURL, evaporation: 0.03)
    }

    @Test("pullback equals finite differences of the derivative: CHO spec")
    func choPullback() throws {
        try Self.checkPullback(TwinSpecTests.choURL, evaporation: 0.01)
    }

    /// The spec with every reaction term removed: only flows act.
    static func noReaction(_ url: URL) throws -> SpecModel {
        var spec = try Self.spec(url)
        for i in spec.balances.indices { spec.balances[i].terms = [] }
        return try SpecModel(spec: spec, scaling: Self.scaling(spec))
    }

    @Test("with no reaction every substance's mass changes by exactly inflow − withdrawal·c, and over a trajectory mass in = mass gained + mass out")
    func balancesClose() throws {
        for url in [TwinSpecTests.penicillinURL, TwinSpecTests.choURL] {
            let model = try Self.noReaction(url)
            let θ = Self.perturbedTheta(model, seed: 5)
            let vi = model.volumeIndex
            // Pointwise: d(cV)/dt = c·dV/dt + V·dc/dt = inflow − W·c.
            for seed in UInt64(1)...5 {
                let y = Self.state(model, seed: seed)
                let u = Self.inputs(model, feed: 0.08, withdrawal: 0.03, evaporation: seed % 2 == 0 ? 0.02 : nil, seed: seed)
                let d = model.derivative(y, time: 0, inputs: u, parameters: θ)
                for s in 0..<model.stateCount where s != vi {
                    let massRate = y[s] * d[vi] + y[vi] * d[s]
                    let expected = u.inflow[s] - u.withdrawal * y[s]
                    #expect(abs(massRate - expected) <= 1e-9 * max(abs(expected), 1e-12), "\(model.spec.id) \(model.stateNames[s])")
                }
            }
            // Over a trajectory (RK4, small steps), with a withdrawal: track the mass withdrawn.
            var y = Self.state(model, seed: 9)
            let u = Self.inputs(model, feed: 0.1, withdrawal: 0.04, evaporation: 0.015, seed: 9)
            let initialMass = (0..<model.stateCount).map { y[$0] * y[vi] }
            var withdrawn = [Double](repeating: 0, count: model.stateCount)
            let h = 0.01, steps = 2_000
            // Augmented state: y and the withdrawn masses ∫W·c dt, integrated together.
            func f(_ z: [Double]) -> [Double] {
                let n = model.stateCount
                let d = model.derivative(Array(z[0..<n]), time: 0, inputs: u, parameters: θ)
                return d + (0..<n).map { u.withdrawal * z[$0] }
            }
            var z = y + withdrawn
            for _ in 0..<steps {
                let k1 = f(z)
                let k2 = f(zip(z, k1).map { $0 + h / 2 * $1 })
                let k3 = f(zip(z, k2).map { $0 + h / 2 * $1 })
                let k4 = f(zip(z, k3).map { $0 + h * $1 })
                z = (0..<z.count).map { z[$0] + h / 6 * (k1[$0] + 2 * k2[$0] + 2 * k3[$0] + k4[$0]) }
            }
            y = Array(z[0..<model.stateCount])
            withdrawn = Array(z[model.stateCount...])
            let duration = h * Double(steps)
            for s in 0..<model.stateCount where s != vi {
                let massIn = u.inflow[s] * duration
                let balance = y[s] * y[vi] - initialMass[s] + withdrawn[s]
                #expect(abs(balance - massIn) <= 1e-9 * massIn, "\(model.spec.id) \(model.stateNames[s]): in \(massIn), accounted \(balance)")
            }
            let startVolume = Self.state(model, seed: 9)[vi]
            #expect(abs(y[vi] - startVolume - (0.1 - 0.04 - 0.015) * duration) < 1e-9)
        }
    }

    @Test("record inputs: volume-free additions add mass but no volume, logged evaporation and recorded variables are read")
    func recordInputs() throws {
        let spec = try Self.spec(TwinSpecTests.choURL)
        let model = try SpecModel(spec: spec, scaling: Self.scaling(spec))
        var record = BatchRecord(batchID: "b1", time: [0, 1, 2])
        record.temperature = [37, nil, 36]
        record.pH = [7.0, 7.1, nil]
        record.volume = [2, nil, nil]
        var main = FeedSeries(rate: [0.01, 0.02, 0.02], concentration: [0, 0, 0])
        main.substances = ["glucose": [400, 400, 400], "glutamine": [20, nil, 20]]
        var shot = FeedSeries(rate: [0.001, 0, 0], concentration: [0, 0, 0])
        shot.substances = ["glucose": [500, 500, 500]]
        shot.addsVolume = false
        record.feeds = [main, shot]
        record.withdrawals = [[0, 0.005, nil]]
        record.evaporation = [0.001, nil, 0.002]
        let inputs = try model.inputs(for: record)
        #expect(inputs.map(\.volumeFeed) == [0.01, 0.02, 0.02])
        #expect(inputs.map(\.withdrawal) == [0, 0.005, 0])
        #expect(inputs.map(\.evaporation) == [0.001, 0, 0.002])
        #expect(inputs[0].inflow[1] == 0.01 * 400 + 0.001 * 500)
        #expect(inputs[1].inflow[2] == 0.02 * 20)
        #expect(inputs[0].inflow[3] == 0)
        #expect(inputs.map(\.recorded) == [[37, 7.0], [37, 7.1], [36, 7.1]])
        record.pH = [nil, nil, nil]
        #expect(throws: BatchDataError.self) { try model.inputs(for: record) }
    }

    @Test("a coarsened fitting grid keeps every assay row, every volume and mass inflow, and the trajectory at the assays")
    func coarseProblem() throws {
        let spec = try Self.spec(TwinSpecTests.penicillinURL)
        let model = try SpecModel(spec: spec, scaling: Self.scaling(spec))
        let record = HybridTests.site(noiseFree: false, batches: 1).simulate()[0].record
        let scales = [Double](repeating: 1, count: model.stateCount)
        let fine = try model.problem(for: record, scales: scales)
        let coarse = try model.problem(for: record, scales: scales, minimumSpan: 2)
        #expect(coarse.times.count < fine.times.count / 2)
        #expect(coarse.observations.count == fine.observations.count)
        for (f, c) in zip(fine.observations, coarse.observations) {
            #expect(fine.times[f.row] == coarse.times[c.row] && f.value == c.value && f.state == c.state)
        }
        func integral(_ p: TrajectoryProblem<SpecInputs>, _ value: (SpecInputs) -> Double) -> Double {
            zip(p.inputs, zip(p.times, p.times.dropFirst())).reduce(0) { $0 + value($1.0) * ($1.1.1 - $1.1.0) }
        }
        for value in [{ (u: SpecInputs) in u.volumeFeed }, { $0.withdrawal }, { $0.inflow[1] }, { $0.recorded[0] }] {
            let a = integral(fine, value), b = integral(coarse, value)
            #expect(abs(a - b) <= 1e-9 * max(abs(a), 1e-12))
        }
        // Small steps on both grids, so what differs is the averaging, not the RK4 step.
        let fitter = TrajectoryFitter(model: model, maxStep: 0.1, clampsAtZero: true)
        let θ = model.initialTheta(network: model.initialNetworkParameters(seed: 1))
        let fineStates = try fitter.simulate(fine, parameters: θ)
        let coarseStates = try fitter.simulate(coarse, parameters: θ)
        for (f, c) in zip(fine.observations, coarse.observations) {
            let a = fineStates[f.row][f.state], b = coarseStates[c.row][c.state]
            #expect(abs(a - b) <= 1e-2 * max(abs(a), 0.05), "\(model.stateNames[f.state]) at \(fine.times[f.row]) h: \(a) vs \(b)")
        }
    }
}
