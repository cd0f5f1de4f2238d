import Foundation

/// Checks of everything decoding cannot see: references, bounds, ranges and shapes.
extension TwinSpec {
    /// Activations a spec's network may use for its hidden layers.
    public static let hiddenActivations: [String: Activation] = ["tanh": .tanh, "sigmoid": .sigmoid, "softplus": .softplus, "linear": .linear]

    /// Names of the rates the network has an output for (a correction or a learned form),
    /// in rate order: the network's output layout.
    public var networkRates: [String] { rates.filter { $0.correction != nil || $0.learned != nil }.map(\.name) }

    /// Names of variables read from the record rather than simulated: recorded network
    /// inputs and factor variables that are not states, in first-use order.
    public var recordedVariables: [String] {
        let stateNames = Set(states.map(\.name))
        var out: [String] = []
        func add(_ name: String) { if !stateNames.contains(name) && !out.contains(name) { out.append(name) } }
        for rate in rates {
            for factor in rate.law?.factors ?? [] { add(factor.resolvedVariable ?? "") }
        }
        for input in network.inputs where input.source == .recorded { add(input.variable ?? "") }
        return out.filter { !$0.isEmpty }
    }

    /// Refuses a spec that is not internally consistent, naming the key path of the first
    /// problem (in document order) and why.
    ///
    /// - Parameter file: the spec's path (or a label), carried in the error.
    public func validate(file: String) throws {
        func fail(_ path: String, _ reason: String) -> TwinSpecError { TwinSpecError(file: file, keyPath: path, reason: reason) }
        guard format == Self.currentFormat else {
            throw fail("format", "unknown format '\(format)' (this version reads '\(Self.currentFormat)')")
        }
        guard !id.trimmingCharacters(in: .whitespaces).isEmpty else { throw fail("id", "must not be empty") }

        // States.
        guard !states.isEmpty else { throw fail("states", "no states declared") }
        var stateKind: [String: StateSpec.Kind] = [:]
        for (i, s) in states.enumerated() {
            guard !s.name.isEmpty else { throw fail("states[\(i)].name", "must not be empty") }
            guard stateKind[s.name] == nil else { throw fail("states[\(i)].name", "duplicate state name '\(s.name)'") }
            stateKind[s.name] = s.kind
        }
        let volumeStates = states.enumerated().filter { $0.element.kind == .volume }
        if volumeStates.count > 1 { throw fail("states[\(volumeStates[1].offset)].kind", "a second volume state ('\(volumeStates[1].element.name)'): a spec has exactly one") }
        guard let kind = stateKind[volume] else { throw fail("volume", "unknown state '\(volume)'") }
        guard kind == .volume else { throw fail("volume", "state '\(volume)' is a concentration, not a volume") }
        guard let cellsKind = stateKind[cells] else { throw fail("cells", "unknown state '\(cells)'") }
        guard cellsKind == .concentration else { throw fail("cells", "state '\(cells)' is the volume, not a concentration") }

        // Groups and parameters.
        var groupNames = Set<String>()
        for (i, g) in groups.enumerated() {
            guard !g.name.isEmpty else { throw fail("groups[\(i)].name", "must not be empty") }
            guard groupNames.insert(g.name).inserted else { throw fail("groups[\(i)].name", "duplicate group name '\(g.name)'") }
            if let strength = g.strength {
                guard g.policy == .fineTune else { throw fail("groups[\(i)].strength", "only a 'fine-tune' group has a strength") }
                guard strength.isFinite, strength >= 0 else { throw fail("groups[\(i)].strength", "must be finite and ≥ 0, got \(strength)") }
            }
        }
        var parameterNames = Set<String>()
        for (i, p) in parameters.enumerated() {
            let at = "parameters[\(i)]"
            guard !p.name.isEmpty else { throw fail("\(at).name", "must not be empty") }
            guard parameterNames.insert(p.name).inserted else { throw fail("\(at).name", "duplicate parameter name '\(p.name)'") }
            guard p.min.isFinite, p.min > 0 else { throw fail("\(at).min", "must be finite and > 0 (parameters are optimised in log space), got \(p.min)") }
            guard p.max.isFinite, p.max >= p.min else { throw fail("\(at).max", "must be finite and ≥ min (\(p.min)), got \(p.max)") }
            guard p.initial.isFinite, p.initial >= p.min, p.initial <= p.max else {
                throw fail("\(at).initial", "\(p.initial) is outside the bounds [\(p.min), \(p.max)]")
            }
            guard groupNames.contains(p.group) else { throw fail("\(at).group", "unknown group '\(p.group)'") }
        }
        func parameter(_ name: String?, _ path: String, required: Bool) throws {
            guard let name else {
                if required { throw fail(path, "missing") }
                return
            }
            guard parameterNames.contains(name) else { throw fail(path, "unknown parameter '\(name)'") }
        }
        func state(_ name: String?, _ path: String) throws {
            guard let name else { return }
            guard stateKind[name] != nil else { throw fail(path, "unknown state '\(name)'") }
        }

        // Evaporation.
        if let e = evaporation {
            switch e.source {
            case .law: try parameter(e.parameter, "evaporation.parameter", required: true)
            case .recorded, .none:
                if e.parameter != nil { throw fail("evaporation.parameter", "only the 'law' source takes a parameter") }
            }
        }

        // Rates.
        var rateNames = Set<String>()
        for (i, r) in rates.enumerated() {
            let at = "rates[\(i)]"
            guard !r.name.isEmpty else { throw fail("\(at).name", "must not be empty") }
            guard rateNames.insert(r.name).inserted else { throw fail("\(at).name", "duplicate rate name '\(r.name)'") }
            switch (r.law, r.learned) {
            case (nil, nil): throw fail(at, "neither 'law' nor 'learned': a rate is one of a known law (optionally with a correction) or learned")
            case (.some, .some): throw fail(at, "both 'law' and 'learned': give one")
            case (nil, .some(let learned)):
                if r.correction != nil { throw fail("\(at).correction", "a correction applies to a law; a learned rate has none") }
                guard learned.max.isFinite, learned.max > 0 else { throw fail("\(at).learned.max", "must be finite and > 0, got \(learned.max)") }
                if let initial = learned.initial, !(initial.isFinite && initial > 0 && initial < learned.max) {
                    throw fail("\(at).learned.initial", "must be finite, > 0 and below max \(learned.max), got \(initial)")
                }
            case (.some(let law), nil):
                try parameter(law.maximum, "\(at).law.maximum", required: true)
                for (j, f) in law.factors.enumerated() { try validateFactor(f, at: "\(at).law.factors[\(j)]", parameter: parameter, state: state, fail: fail) }
                if let c = r.correction {
                    guard c.min.isFinite, c.min > 0 else { throw fail("\(at).correction.min", "must be finite and > 0, got \(c.min)") }
                    guard c.max.isFinite, c.max > c.min else { throw fail("\(at).correction.max", "the range must not be empty: max (\(c.max)) must exceed min (\(c.min))") }
                }
            }
        }

        // Balances.
        var balanced = Set<String>()
        for (i, b) in balances.enumerated() {
            let at = "balances[\(i)]"
            guard let k = stateKind[b.state] else { throw fail("\(at).state", "unknown state '\(b.state)'") }
            guard k == .concentration else { throw fail("\(at).state", "'\(b.state)' is the volume state, whose balance is fixed by the flows (feeds − withdrawals − evaporation)") }
            guard balanced.insert(b.state).inserted else { throw fail("\(at).state", "a second balance for '\(b.state)'") }
            for (j, t) in b.terms.enumerated() {
                let tp = "\(at).terms[\(j)]"
                guard rateNames.contains(t.rate) else { throw fail("\(tp).rate", "unknown rate '\(t.rate)'") }
                if let c = t.coefficient, !c.isFinite { throw fail("\(tp).coefficient", "must be finite") }
                try parameter(t.parameter, "\(tp).parameter", required: false)
                try parameter(t.yield, "\(tp).yield", required: false)
                try state(t.times, "\(tp).times")
                if let times = t.times, stateKind[times] == .volume { throw fail("\(tp).times", "a specific rate multiplies a concentration, not the volume") }
            }
        }
        for (i, s) in states.enumerated() where s.kind == .concentration && !balanced.contains(s.name) {
            throw fail("states[\(i)]", "concentration state '\(s.name)' has no balance (give one, with empty terms for a state that only dilutes)")
        }

        // Network.
        let outputs = networkRates.count
        guard groupNames.contains(network.group) else { throw fail("network.group", "unknown group '\(network.group)'") }
        if let a = network.activation, Self.hiddenActivations[a] == nil {
            throw fail("network.activation", "unknown activation '\(a)' (one of \(Self.hiddenActivations.keys.sorted().joined(separator: ", ")))")
        }
        for (i, h) in network.hidden.enumerated() where h <= 0 { throw fail("network.hidden[\(i)]", "a layer size must be > 0, got \(h)") }
        if outputs > 0 && network.inputs.isEmpty { throw fail("network.inputs", "the network has \(outputs) output(s) but no inputs") }
        var seenFeatures = Set<String>()
        for (i, input) in network.inputs.enumerated() {
            let at = "network.inputs[\(i)]"
            switch input.source {
            case .state:
                guard let v = input.variable else { throw fail("\(at).variable", "a 'state' input names a state") }
                try state(v, "\(at).variable")
            case .recorded:
                guard let v = input.variable, !v.isEmpty else { throw fail("\(at).variable", "a 'recorded' input names a variable of the data") }
                if stateKind[v] != nil { throw fail("\(at).variable", "'\(v)' is a state: use source 'state' (the simulated value)") }
            case .feedRate, .time:
                if input.variable != nil { throw fail("\(at).variable", "a '\(input.source.rawValue)' input names no variable") }
            }
            if let t = input.transform, t != "log" { throw fail("\(at).transform", "unknown transform '\(t)' (only 'log')") }
            guard seenFeatures.insert(input.featureName).inserted else { throw fail(at, "duplicate network input '\(input.featureName)'") }
        }

        // Observations.
        guard !observations.isEmpty else { throw fail("observations", "nothing is observed, so nothing can be fitted or evaluated") }
        var observed = Set<String>()
        for (i, o) in observations.enumerated() {
            let at = "observations[\(i)]"
            try state(o.state, "\(at).state")
            guard observed.insert(o.state).inserted else { throw fail("\(at).state", "'\(o.state)' is observed twice") }
            if let v = o.variable, v.isEmpty { throw fail("\(at).variable", "must not be empty") }
            if let w = o.weight, !(w.isFinite && w > 0) { throw fail("\(at).weight", "must be finite and > 0, got \(w)") }
        }

        // Training.
        if let t = training {
            if let p = t.priorStrength, !(p.isFinite && p >= 0) { throw fail("training.priorStrength", "must be finite and ≥ 0, got \(p)") }
            if let s = t.maxStep, !(s.isFinite && s > 0) { throw fail("training.maxStep", "must be finite and > 0, got \(s)") }
            if let r = t.learningRate, !(r.isFinite && r > 0) { throw fail("training.learningRate", "must be finite and > 0, got \(r)") }
            if let n = t.rateSteps, n < 0 { throw fail("training.rateSteps", "must be ≥ 0, got \(n)") }
        }

        // Consortium scaling.
        if let sc = scaling {
            guard sc.mean.count == sc.names.count else { throw fail("scaling.mean", "\(sc.mean.count) values for \(sc.names.count) names") }
            guard sc.std.count == sc.names.count else { throw fail("scaling.std", "\(sc.std.count) values for \(sc.names.count) names") }
            var seen = Set<String>()
            for (i, name) in sc.names.enumerated() {
                guard seen.insert(name).inserted else { throw fail("scaling.names[\(i)]", "duplicate feature '\(name)'") }
                guard sc.mean[i].isFinite else { throw fail("scaling.mean[\(i)]", "must be finite, got \(sc.mean[i])") }
                guard sc.std[i].isFinite && sc.std[i] > 0 else { throw fail("scaling.std[\(i)]", "must be finite and > 0, got \(sc.std[i])") }
            }
            for name in scalingFeatureNames where !seen.contains(name) {
                throw fail("scaling.names", "lacks feature '\(name)', which the network inputs or observations need")
            }
        }
    }

    /// The features a scaling of this spec covers: the network inputs
    /// (``NetworkInputSpec/featureName``), then every observed data variable not among them
    /// (the spreads that divide trajectory residuals).
    public var scalingFeatureNames: [String] {
        var names = network.inputs.map(\.featureName)
        for o in observations {
            let v = o.variable ?? o.state
            if !names.contains(v) { names.append(v) }
        }
        return names
    }

    private func validateFactor(_ f: FactorSpec, at: String, parameter: (String?, String, Bool) throws -> Void,
                                state: (String?, String) throws -> Void, fail: (String, String) -> TwinSpecError) throws {
        let needs: (variable: Bool, saturation: Bool, inhibition: Bool, per: Bool)
        switch f.type {
        case .monod: needs = (true, true, false, false)
        case .contois: needs = (true, true, false, true)
        case .haldane: needs = (true, true, true, false)
        case .inhibition: needs = (true, false, true, false)
        case .pensimTemperature, .pensimPH: needs = (false, false, false, false)
        }
        if needs.variable {
            guard let v = f.variable, !v.isEmpty else { throw fail("\(at).variable", "a '\(f.type.rawValue)' factor names the variable it depends on") }
        } else if let v = f.variable, v.isEmpty {
            throw fail("\(at).variable", "must not be empty")
        }
        if needs.saturation { try parameter(f.saturation, "\(at).saturation", true) }
        else if f.saturation != nil { throw fail("\(at).saturation", "a '\(f.type.rawValue)' factor has no saturation constant") }
        if needs.inhibition { try parameter(f.inhibition, "\(at).inhibition", true) }
        else if f.inhibition != nil { throw fail("\(at).inhibition", "a '\(f.type.rawValue)' factor has no inhibition constant") }
        if needs.per { try state(f.per, "\(at).per") }
        else if f.per != nil { throw fail("\(at).per", "only a 'contois' factor has 'per'") }
        if let per = f.per, per == volume { throw fail("\(at).per", "'\(per)' is the volume state") }
        if let v = f.variable, v == volume { throw fail("\(at).variable", "'\(v)' is the volume state; kinetics depend on concentrations and conditions") }
    }
}

extension FactorSpec {
    /// The variable the factor reads: its `variable`, or `temperature` / `pH` for the
    /// PenSim factors that do not name one.
    public var resolvedVariable: String? {
        if let variable { return variable }
        switch type {
        case .pensimTemperature: return "temperature"
        case .pensimPH: return "pH"
        default: return nil
        }
    }
}

extension NetworkInputSpec {
    /// The name of this input in a ``FeatureScaling``: `NAME` or `log:NAME`, `feed-rate`, `time`.
    public var featureName: String {
        switch source {
        case .feedRate: return "feed-rate"
        case .time: return "time"
        case .state, .recorded:
            let name = variable ?? ""
            return transform == "log" ? "log:" + name : name
        }
    }
}
