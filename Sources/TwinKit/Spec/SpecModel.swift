import Foundation

/// The ODE a ``TwinSpec`` declares, differentiable by hand for trajectory fitting.
///
/// States are the spec's, in its order. With volume-adding inflow F, withdrawal W,
/// evaporation E (logged, a law E = k·V, or none) and per-substance mass inflow Fc:
///
///     dV/dt = F − W − E
///     dc/dt = Σ terms + Fc/V − (F − E)/V · c        (Fc only where the balance takes feeds)
///
/// so a volume-free addition adds mass without volume and a withdrawal leaves at broth
/// concentration (it changes masses, not concentrations). A term is
/// `coefficient · parameter / yield · rate · times`. A rate is a law
/// `exp(θ_max) · Π factors`, a law times a correction `exp(m + h·tanh o)` spanning the spec's
/// [min, max] in log space, or learned `max · sigmoid(o)`, with `o` from one MLP whose
/// inputs are the spec's network inputs scaled by a ``FeatureScaling``.
///
/// θ = [log of every mechanistic parameter in spec order, MLP parameters]. A log parameter
/// outside its bounds acts as the bound (clamped, no gradient beyond it), so the fitter
/// cannot take the kinetics outside what the spec allows.
public struct SpecModel: TrajectoryModel {
    public typealias Inputs = SpecInputs

    public let spec: TwinSpec
    /// Scaling of the network inputs, in network input order.
    public let scaling: FeatureScaling
    public let stateNames: [String]
    /// Variables the model reads from the record (recorded network inputs and factor
    /// variables that are not states), the layout of ``SpecInputs/recorded``.
    public let recordedNames: [String]
    public let volumeIndex: Int
    public let cellsIndex: Int
    /// Network layer sizes `[inputs, hidden…, outputs]`; nil when no rate uses the network.
    public let layerSizes: [Int]?
    let activations: [Activation]
    let logBounds: [(lo: Double, hi: Double)]
    let rates: [CompiledRate]
    let balances: [[CompiledTerm]]
    let takesFeeds: [Bool]
    let evaporationParameter: Int?
    let evaporationSource: EvaporationSpec.Source
    let inputs: [CompiledInput]

    /// Floor of `log` network inputs: log(max(x, floor)).
    public static let logFloor = 1e-4

    /// Number of mechanistic (log) parameters: the first entries of θ.
    public var mechanisticCount: Int { spec.parameters.count }
    /// Number of network parameters: the rest of θ.
    public let networkCount: Int
    public var stateCount: Int { stateNames.count }
    public var parameterCount: Int { mechanisticCount + networkCount }

    /// Builds the model of a validated spec; `scaling` must cover every network input's
    /// feature name (``NetworkInputSpec/featureName``).
    public init(spec: TwinSpec, scaling: FeatureScaling) throws {
        self.spec = spec
        stateNames = spec.states.map(\.name)
        recordedNames = spec.recordedVariables
        let stateIndex = Dictionary(uniqueKeysWithValues: stateNames.enumerated().map { ($1, $0) })
        let parameterIndex = Dictionary(uniqueKeysWithValues: spec.parameters.enumerated().map { ($1.name, $0) })
        let recordedIndex = Dictionary(uniqueKeysWithValues: recordedNames.enumerated().map { ($1, $0) })
        func fail(_ path: String, _ reason: String) -> TwinSpecError { TwinSpecError(file: "<spec \(spec.id)>", keyPath: path, reason: reason) }
        guard let v = stateIndex[spec.volume], let c = stateIndex[spec.cells] else { throw fail("volume", "spec not validated") }
        volumeIndex = v
        cellsIndex = c
        logBounds = spec.parameters.map { (Foundation.log($0.min), Foundation.log($0.max)) }
        func variable(_ name: String) -> VariableRef {
            if let i = stateIndex[name] { return .state(i) }
            return .recorded(recordedIndex[name] ?? 0)
        }
        let outputs = spec.networkRates
        rates = try spec.rates.enumerated().map { i, r in
            if let law = r.law {
                guard let maxIndex = parameterIndex[law.maximum] else { throw fail("rates[\(i)].law.maximum", "unknown parameter") }
                let factors = law.factors.map { f in
                    CompiledFactor(type: f.type, variable: variable(f.resolvedVariable ?? ""),
                                   per: stateIndex[f.per ?? spec.cells] ?? c,
                                   saturation: f.saturation.flatMap { parameterIndex[$0] },
                                   inhibition: f.inhibition.flatMap { parameterIndex[$0] })
                }
                var correction: CompiledRate.Correction?
                if let cr = r.correction {
                    let lo = Foundation.log(cr.min), hi = Foundation.log(cr.max)
                    correction = .init(centre: (lo + hi) / 2, halfWidth: (hi - lo) / 2, output: outputs.firstIndex(of: r.name) ?? 0)
                }
                return CompiledRate(maximum: maxIndex, factors: factors, correction: correction, learned: nil)
            }
            return CompiledRate(maximum: nil, factors: [], correction: nil,
                                learned: .init(max: r.learned?.max ?? 1, output: outputs.firstIndex(of: r.name) ?? 0))
        }
        let rateIndex = Dictionary(uniqueKeysWithValues: spec.rates.enumerated().map { ($1.name, $0) })
        var balances = [[CompiledTerm]](repeating: [], count: stateNames.count)
        var takesFeeds = [Bool](repeating: false, count: stateNames.count)
        for b in spec.balances {
            guard let s = stateIndex[b.state] else { continue }
            takesFeeds[s] = b.feeds ?? true
            balances[s] = b.terms.map { t in
                CompiledTerm(rate: rateIndex[t.rate] ?? 0, coefficient: t.coefficient ?? 1,
                             parameter: t.parameter.flatMap { parameterIndex[$0] }, yield: t.yield.flatMap { parameterIndex[$0] },
                             times: stateIndex[t.times ?? spec.cells] ?? c)
            }
        }
        self.balances = balances
        self.takesFeeds = takesFeeds
        evaporationSource = spec.evaporation?.source ?? .recorded
        evaporationParameter = spec.evaporation?.parameter.flatMap { parameterIndex[$0] }
        inputs = spec.network.inputs.map { input in
            let ref: CompiledInput.Source
            switch input.source {
            case .state: ref = .state(stateIndex[input.variable ?? ""] ?? 0)
            case .recorded: ref = .recorded(recordedIndex[input.variable ?? ""] ?? 0)
            case .feedRate: ref = .feedRate
            case .time: ref = .time
            }
            return CompiledInput(source: ref, log: input.transform == "log")
        }
        if outputs.isEmpty {
            layerSizes = nil
            activations = []
            networkCount = 0
            self.scaling = FeatureScaling(names: [], mean: [], std: [])
        } else {
            let sizes = [spec.network.inputs.count] + spec.network.hidden + [outputs.count]
            layerSizes = sizes
            let hidden = TwinSpec.hiddenActivations[spec.network.activation ?? "tanh"] ?? .tanh
            activations = (0..<(sizes.count - 1)).map { $0 == sizes.count - 2 ? .linear : hidden }
            networkCount = MLP.offsets(sizes).total
            switch scaling.restricted(to: spec.network.inputs.map(\.featureName)) {
            case .success(let s): self.scaling = s
            case .failure(let missing): throw missing
            }
        }
    }

    /// A fresh network for this spec: deterministic from `seed`, output layer zero so every
    /// correction starts at exp(m) (1 for a range symmetric about 1 in log space) and every
    /// learned rate at its declared `initial` (else max/2). Empty when no rate uses the network.
    public func initialNetworkParameters(seed: UInt64) -> [Double] {
        guard let sizes = layerSizes else { return [] }
        let hidden = activations.first ?? .tanh
        var net = MLP(layerSizes: sizes, hidden: hidden, output: .linear, seed: seed)
        let last = sizes.count - 2
        for i in net.weightOffsets[last]..<net.parameters.count { net.parameters[i] = 0 }
        // A learned rate with a declared start: its output's bias puts max·sigmoid(o) there.
        let outputs = spec.networkRates
        for r in spec.rates {
            guard let learned = r.learned, let initial = learned.initial, let k = outputs.firstIndex(of: r.name) else { continue }
            let p = initial / learned.max
            net.parameters[net.biasOffsets[last] + k] = Foundation.log(p / (1 - p))
        }
        return net.parameters
    }

    /// θ of the spec's initial values with the given network parameters.
    public func initialTheta(network: [Double]) -> [Double] {
        spec.parameters.map { Foundation.log($0.initial) } + network
    }
}

// MARK: - Compiled structure

extension SpecModel {
    enum VariableRef: Sendable {
        case state(Int)
        case recorded(Int)
    }

    struct CompiledFactor: Sendable {
        var type: FactorSpec.Kind
        var variable: VariableRef
        var per: Int
        var saturation: Int?
        var inhibition: Int?
    }

    struct CompiledRate: Sendable {
        struct Correction: Sendable {
            var centre: Double
            var halfWidth: Double
            var output: Int
        }
        struct Learned: Sendable {
            var max: Double
            var output: Int
        }
        var maximum: Int?
        var factors: [CompiledFactor]
        var correction: Correction?
        var learned: Learned?
    }

    struct CompiledTerm: Sendable {
        var rate: Int
        var coefficient: Double
        var parameter: Int?
        var yield: Int?
        var times: Int
    }

    struct CompiledInput: Sendable {
        enum Source: Sendable {
            case state(Int)
            case recorded(Int)
            case feedRate
            case time
        }
        var source: Source
        var log: Bool
    }
}
