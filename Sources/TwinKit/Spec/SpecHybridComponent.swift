import Foundation

/// The hybrid twin a ``TwinSpec`` declares, as a federated component.
///
/// Parameters travel as `mech.<group>` tensors (the log of every parameter of that group,
/// in spec order) and `net.layer{l}.weight|bias` (the one MLP). The network's feature
/// scaling is not a trained tensor: it is a property of the component, fixed before
/// training by the consortium's statistics round (``withScaling(_:)``) and recorded in the
/// store; without one the component computes it from the batches it is given.
///
/// Training (docs/twin.md, "Component spec"): interval mass balances of the assays fitted
/// directly (a warm start, where the spec's `training.method` asks for it), then whole
/// trajectories through the ODE by ``TrajectoryFitter``, both with a log-space prior pulling
/// every parameter towards its initial value and every network weight towards zero. It
/// reports parameters that ended at a bound and network inputs far outside the scaling
/// instead of succeeding silently.
public struct SpecHybridComponent: FeatureScaledComponent {
    public let spec: TwinSpec
    /// SHA-256 of the spec file's bytes (``TwinSpec/load(_:)``).
    public let specHash: String
    /// The network's feature scaling: the one given, else the spec's consortium scaling
    /// (``TwinSpec/scaling``); nil until fixed (then computed from local data).
    public let scaling: FeatureScaling?
    public let aggregation = AggregationKind.weightedMean
    public var id: String { spec.id }

    /// |z| beyond which a network input counts as far outside the scaling.
    public static let outOfScalingThreshold = 6.0
    /// Log-distance to a bound below which a parameter counts as at that bound.
    public static let atBoundTolerance = 1e-3

    /// - Throws: ``TwinSpecError`` when the spec is not valid.
    public init(spec: TwinSpec, specHash: String, scaling: FeatureScaling? = nil) throws {
        try spec.validate(file: "<component \(spec.id)>")
        self.spec = spec
        self.specHash = specHash
        // Validation guarantees the spec's scaling covers every feature, so this cannot fail.
        self.scaling = try scaling ?? spec.scaling.map { try $0.restricted(to: spec.scalingFeatureNames).get() }
    }

    /// Loads a spec file and builds its component.
    public init(specFile url: URL, scaling: FeatureScaling? = nil) throws {
        let (spec, hash) = try TwinSpec.load(url)
        try self.init(spec: spec, specHash: hash, scaling: scaling)
    }

    /// Groups with at least one parameter, in spec order, with their parameters' indices.
    var mechanisticGroups: [(name: String, indices: [Int])] {
        spec.groups.compactMap { g in
            let indices = spec.parameters.indices.filter { spec.parameters[$0].group == g.name }
            return indices.isEmpty ? nil : (g.name, indices)
        }
    }

    /// Network layer sizes, nil when no rate uses the network.
    var layerSizes: [Int]? {
        let outputs = spec.networkRates.count
        return outputs == 0 ? nil : [spec.network.inputs.count] + spec.network.hidden + [outputs]
    }

    public var schema: ParameterSchema {
        var specs = mechanisticGroups.map { TensorSpec(name: "mech.\($0.name)", shape: [$0.indices.count]) }
        if let sizes = layerSizes { specs += MLP.schema(layerSizes: sizes, prefix: "net.").tensors }
        return ParameterSchema(specs)
    }

    /// The model with this component's scaling (or `fallback` when it has none).
    public func model(scaling fallback: FeatureScaling? = nil) throws -> SpecModel {
        let s = scaling ?? fallback ?? FeatureScaling(names: [], mean: [], std: [])
        return try SpecModel(spec: spec, scaling: s)
    }

    /// The spec's initial values and a fresh network (output layer zero, so the model
    /// starts as the declared laws), deterministic in `seed`.
    public func initialParameters(seed: UInt64) -> ParameterSet {
        let placeholder = FeatureScaling(names: spec.network.inputs.map(\.featureName), mean: spec.network.inputs.map { _ in 0 },
                                         std: spec.network.inputs.map { _ in 1 })
        // Force-try is safe: the spec was validated and the placeholder covers every input.
        let model = try! SpecModel(spec: spec, scaling: placeholder)
        return try! parameterSet(theta: model.initialTheta(network: model.initialNetworkParameters(seed: seed)))
    }

    /// θ (mechanistic logs in spec order, then the network) from a parameter set.
    public func theta(_ parameters: ParameterSet) throws -> [Double] {
        try parameters.validate(against: schema)
        try parameters.requireFinite()
        var θ = [Double](repeating: 0, count: spec.parameters.count)
        for g in mechanisticGroups {
            let values = try parameters.tensor(named: "mech.\(g.name)").values
            for (k, i) in g.indices.enumerated() { θ[i] = values[k] }
        }
        if let sizes = layerSizes {
            θ += try MLP.schema(layerSizes: sizes, prefix: "net.").names.flatMap { try parameters.tensor(named: $0).values }
        }
        return θ
    }

    /// The parameter set carrying θ.
    public func parameterSet(theta θ: [Double]) throws -> ParameterSet {
        let m = spec.parameters.count
        var tensors = try mechanisticGroups.map { g in
            try NamedTensor(name: "mech.\(g.name)", shape: [g.indices.count], values: g.indices.map { θ[$0] })
        }
        if let sizes = layerSizes {
            tensors += try ParameterSet(schema: MLP.schema(layerSizes: sizes, prefix: "net."), flat: Array(θ[m...])).tensors
        }
        return try ParameterSet(tensors)
    }

    /// Parameter values (not logs) by name, for reports.
    public func parameterValues(_ parameters: ParameterSet) throws -> [String: Double] {
        let θ = try theta(parameters)
        return Dictionary(uniqueKeysWithValues: spec.parameters.enumerated().map { ($1.name, Foundation.exp(θ[$0])) })
    }
}
