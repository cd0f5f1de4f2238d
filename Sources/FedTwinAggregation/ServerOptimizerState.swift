import FedTwinWire

/// Reading and writing a server optimiser's per-parameter state (FedAdam's, FedYogi's and
/// FedAdagrad's moments, FedAvgM's velocity): one f64 tensor per parameter tensor and per
/// slot, named `PREFIX.NAME` (e.g. `yogi.v.layer0.weight`), carried with the version as
/// its optimiser state so that a restarted coordinator or a replay continues exactly.
enum ServerOptimizerState {
    /// The slots' values for every schema tensor, in schema order: zeros when the base
    /// carries none of them (the first round of this optimiser, also after a stateless
    /// strategy or another optimiser, whose state is then left behind); an error when some
    /// are there and others missing or mis-sized (a damaged state is not silently reset).
    static func read(_ prefixes: [String], from base: ModelState, schema: ParameterSchema, strategy: String) throws -> [[[Double]]] {
        let byName = Dictionary(base.optimizerState.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let mine = prefixes.contains { prefix in base.optimizerState.contains { $0.name.hasPrefix(prefix + ".") } }
        guard mine else {
            let zeros = schema.tensors.map { [Double](repeating: 0, count: $0.elementCount) }
            return prefixes.map { _ in zeros }
        }
        return try prefixes.map { prefix in
            try schema.tensors.map { spec in
                guard let tensor = byName["\(prefix).\(spec.name)"], tensor.values.count == spec.elementCount else {
                    throw StrategyError(strategy: strategy, detail: "optimiser state lacks \(prefix).\(spec.name) for tensor '\(spec.name)'")
                }
                return tensor.values.doubles
            }
        }
    }

    /// The tensor that stores `values` as slot `prefix` of parameter tensor `tensor`.
    static func tensor(_ prefix: String, of tensor: Tensor, _ values: [Double]) -> Tensor {
        Tensor(name: "\(prefix).\(tensor.name)", shape: tensor.shape, doubles: values)
    }

    /// Checks each named setting is finite and in its range.
    static func check(_ strategy: String, _ values: [(String, Double, ClosedRange<Double>)]) throws {
        for (name, value, range) in values {
            guard value.isFinite, range.contains(value) else {
                throw StrategyError(strategy: strategy, detail: "\(name) = \(value) is outside \(range)")
            }
        }
    }
}
