import Foundation

/// The network-only baseline of a spec, derived in code so that it exists for any spec.
extension TwinSpec {
    /// The same states, balances, observations, network inputs and hidden layers with every
    /// specific rate fully learned by the network (`learned`, positive and bounded by the
    /// widest rate the declared law could reach: the upper bound of its maximum parameter
    /// times the upper bound of its correction times the supremum of its factors), keeping
    /// only the parameters the balances and evaporation need (yields, stoichiometric
    /// parameters) and the groups that still hold a parameter or the network. What the
    /// hybrid adds over it is exactly the declared kinetics. It is trained from interval
    /// rates only (`training.method = .rates`), whatever the spec's method.
    public func networkOnlyBaseline() -> TwinSpec {
        var out = self
        out.id = id + "-network-only"
        out.description = "Network-only baseline derived from \(id): every rate learned, no rate law."
        out.rates = rates.map { r in
            guard let law = r.law else { return r }
            let maximum = parameters.first { $0.name == law.maximum }?.max ?? 1
            let correction = r.correction?.max ?? 1
            let factors = law.factors.reduce(1.0) { $0 * Self.factorSupremum($1) }
            // Starts at the law's maximum at its initial value (the prior's fastest rate), not
            // at half the far wider bound, where the untrained model diverged on small sites.
            let bound = maximum * correction * factors
            let nominal = parameters.first { $0.name == law.maximum }?.initial
            let start = nominal.map { Swift.min($0, bound / 2) }
            return RateSpec(name: r.name, learned: LearnedRateSpec(max: bound, initial: start),
                            description: "learned (derived from the law of \(id))")
        }
        var needed = Set<String>()
        for b in balances {
            for t in b.terms {
                if let p = t.parameter { needed.insert(p) }
                if let y = t.yield { needed.insert(y) }
            }
        }
        if let p = evaporation?.parameter { needed.insert(p) }
        out.parameters = parameters.filter { needed.contains($0.name) }
        let used = Set(out.parameters.map(\.group)).union([network.group])
        out.groups = groups.filter { used.contains($0.name) }
        // Fitted to interval rates only: whole-trajectory fitting of a network with no rate
        // law to hold it blew up (site-c: loss 0.44 → 1.4e99 in one epoch, trajectories
        // integrated through rates the network had not yet learned to bound).
        var training = out.training ?? SpecTrainingSpec()
        training.method = .rates
        out.training = training
        return out
    }

    /// The largest value a factor of a declared law can take: 1 for the saturating and
    /// inhibition forms and PenSim's pH factor; PenSim's temperature factor's maximum
    /// over 0–60 °C (it exceeds 1 near its optimum).
    static func factorSupremum(_ f: FactorSpec) -> Double {
        switch f.type {
        case .monod, .contois, .haldane, .inhibition, .pensimPH: return 1
        case .pensimTemperature:
            let k = PenicillinKinetics.nominal, r = PenicillinKinetics.gasConstant
            return stride(from: 0.0, through: 60.0, by: 0.1).map { c -> Double in
                let t = c + 273.15
                return k.growthPreExponential * Foundation.exp(-k.growthActivation / (r * t))
                    - k.deathPreExponential * Foundation.exp(-k.deathActivation / (r * t))
            }.max().map { Swift.max($0, 1) } ?? 1
        }
    }
}
