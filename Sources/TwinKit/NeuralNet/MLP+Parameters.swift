/// Conversion between the network's flat parameters and named ``ParameterSet``s.
extension MLP {
    /// Schema with `prefix` + `layer{l}.weight` (`[out, in]`) and `layer{l}.bias` (`[out]`).
    public func schema(prefix: String = "") -> ParameterSchema {
        Self.schema(layerSizes: layerSizes, prefix: prefix)
    }

    /// Schema for a network of the given sizes, without building one.
    public static func schema(layerSizes: [Int], prefix: String = "") -> ParameterSchema {
        var specs: [TensorSpec] = []
        for l in 0..<(layerSizes.count - 1) {
            specs.append(TensorSpec(name: "\(prefix)layer\(l).weight", shape: [layerSizes[l + 1], layerSizes[l]]))
            specs.append(TensorSpec(name: "\(prefix)layer\(l).bias", shape: [layerSizes[l + 1]]))
        }
        return ParameterSchema(specs)
    }

    /// Parameters as a named set.
    public func parameterSet(prefix: String = "") -> ParameterSet {
        // Force-try is safe: the flat vector was sized from these layer sizes.
        try! ParameterSet(schema: schema(prefix: prefix), flat: parameters)
    }

    /// Loads parameters from a set; throws if its schema differs from this network's.
    public mutating func load(_ set: ParameterSet, prefix: String = "") throws {
        try set.validate(against: schema(prefix: prefix))
        parameters = set.flattened()
    }
}
