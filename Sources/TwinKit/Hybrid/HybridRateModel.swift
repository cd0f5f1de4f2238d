import Foundation

/// The learned part of the hybrid twin: a small MLP that maps scaled state and operating
/// conditions to the three specific rates, kept physical by construction.
///
/// Growth, production and maintenance are the literature (PenSim) terms times learned,
/// bounded factors `exp(a · tanh(o_k))`, `a = ln 2`, so each factor lies in [½, 2];
/// uptake follows from them through the yields. The rates are therefore non-negative, bounded, and vanish with no
/// substrate — open-loop simulation cannot drive S negative however the network
/// extrapolates — and outside the data the model falls back towards known kinetics
/// instead of towards an arbitrary network output. The output layer starts at zero, so
/// an untrained model *is* the mechanistic baseline. (A first version learned the rates
/// outright through scaled sigmoids; with 8-hourly assays it fitted the small fed-phase
/// growth rate to within only ~50 %, which dominated open-loop error — see docs/twin.md.)
public struct HybridRateModel: Sendable, Equatable {
    public var network: MLP
    public var scaling: RateFeatureScaling
    /// Prior kinetics the network corrects.
    public var prior: PenicillinKinetics
    /// a: each factor lies in [e^−a, e^a].
    public var correctionRange: Double

    public static let defaultHidden = [8, 8]

    public init(network: MLP, scaling: RateFeatureScaling = RateFeatureScaling(), prior: PenicillinKinetics = .nominal,
                correctionRange: Double = Foundation.log(2)) {
        precondition(network.inputCount == RateFeatureScaling.count && network.outputCount == 3)
        precondition(network.activations.last == .linear, "correction outputs are linear; the bound is applied here")
        self.network = network
        self.scaling = scaling
        self.prior = prior
        self.correctionRange = correctionRange
    }

    /// Layer sizes of the default network.
    public static var layerSizes: [Int] { [RateFeatureScaling.count] + defaultHidden + [3] }

    /// A freshly initialised model: random tanh hidden layers, zero output layer (factor 1).
    public static func initial(seed: UInt64) -> HybridRateModel {
        var net = MLP(layerSizes: layerSizes, hidden: .tanh, output: .linear, seed: seed)
        let last = net.activations.count - 1
        for i in net.weightOffsets[last]..<net.parameters.count { net.parameters[i] = 0 }
        return HybridRateModel(network: net)
    }

    /// Network input for a state under given conditions.
    @inline(__always)
    public func features(biomass x: Double, substrate s: Double, product p: Double, temperature: Double, pH: Double) -> [Double] {
        scaling.features(biomass: x, substrate: s, product: p, temperature: temperature, pH: pH)
    }

    /// Rates from prior rates and network outputs `o = (o_μ, o_m, o_π)`:
    /// μ = μ⁰·f(o_μ), π = π⁰·f(o_π), σ = μ/Y_x/s + π/Y_p/s + m⁰·f(o_m), with f(o) = e^{a·tanh o}.
    ///
    /// Uptake is *derived* from growth and production through the yields rather than
    /// learned on its own. Under substrate limitation the feed fixes total uptake, so this
    /// keeps the fed-phase growth tied to the feed by stoichiometry; an independently
    /// learned σ shifts the quasi-steady substrate level and with it μ and π (measured:
    /// a free-σ version did worse than nominal kinetics on a faster strain).
    @inline(__always)
    func combine(prior r: SpecificRates, outputs o: [Double]) -> SpecificRates {
        let mu = r.growth * factor(o[0])
        let pi = r.production * factor(o[2])
        let m = maintenance(prior: r) * factor(o[1])
        return SpecificRates(growth: mu, uptake: mu / prior.biomassYield + pi / prior.productYield + m, production: pi)
    }

    @inline(__always)
    func factor(_ o: Double) -> Double { Foundation.exp(correctionRange * Foundation.tanh(o)) }

    @inline(__always)
    func maintenance(prior r: SpecificRates) -> Double {
        max(0, r.uptake - r.growth / prior.biomassYield - r.production / prior.productYield)
    }

    /// ∂L/∂o from ∂L/∂(μ, σ, π) at outputs `o` (chain rule through ``combine(prior:outputs:)``).
    func outputGradient(prior r: SpecificRates, outputs o: [Double], rateGradient g: SIMD3<Double>) -> [Double] {
        let t = o.map { Foundation.tanh($0) }
        let dMu = r.growth * factor(o[0]) * correctionRange * (1 - t[0] * t[0])
        let dM = maintenance(prior: r) * factor(o[1]) * correctionRange * (1 - t[1] * t[1])
        let dPi = r.production * factor(o[2]) * correctionRange * (1 - t[2] * t[2])
        return [(g[0] + g[1] / prior.biomassYield) * dMu,
                g[1] * dM,
                (g[2] + g[1] / prior.productYield) * dPi]
    }

    /// Specific rates at a state under given conditions.
    @inline(__always)
    public func rates(biomass x: Double, substrate s: Double, product p: Double, temperature: Double, pH: Double) -> SpecificRates {
        let o = network.forward(features(biomass: x, substrate: s, product: p, temperature: temperature, pH: pH))
        return combine(prior: prior.rates(biomass: x, substrate: s, temperature: temperature, pH: pH), outputs: o)
    }
}
