/// Element-wise arithmetic for updates and deltas (`new - base`, FedAvg sums, scaling).
///
/// All binary operations require identical schemas: combining differently shaped models
/// element-by-element would be silent corruption, so it is an error instead.
extension ParameterSet {
    private func combined(with other: ParameterSet, _ op: (Double, Double) -> Double) throws -> ParameterSet {
        try other.validate(against: schema)
        let a = flattened()
        let b = other.flattened()
        var out = [Double](repeating: 0, count: a.count)
        for i in 0..<a.count { out[i] = op(a[i], b[i]) }
        return try ParameterSet(schema: schema, flat: out)
    }

    /// `self + other`.
    public func adding(_ other: ParameterSet) throws -> ParameterSet {
        try combined(with: other, +)
    }

    /// `self - other` (e.g. a local update's delta from the global parameters).
    public func subtracting(_ other: ParameterSet) throws -> ParameterSet {
        try combined(with: other, -)
    }

    /// `factor * self`.
    public func scaled(by factor: Double) -> ParameterSet {
        // Force-try is safe: the schema and count are unchanged.
        try! ParameterSet(schema: schema, flat: flattened().map { $0 * factor })
    }

    /// Euclidean norm over all elements (used for update-norm clipping and diagnostics).
    public var l2Norm: Double {
        flattened().reduce(0) { $0 + $1 * $1 }.squareRoot()
    }

    /// Sample-weighted mean of several sets with identical schema (reference FedAvg, used
    /// by tests and the pooled/local harness; the coordinator has its own streaming one).
    public static func weightedMean(_ sets: [(ParameterSet, Double)]) throws -> ParameterSet {
        guard let first = sets.first?.0 else { throw ParameterSetError.missingTensor("<no sets>") }
        let schema = first.schema
        var acc = [Double](repeating: 0, count: schema.totalCount)
        var total = 0.0
        for (set, weight) in sets {
            try set.validate(against: schema)
            let flat = set.flattened()
            for i in 0..<acc.count { acc[i] += weight * flat[i] }
            total += weight
        }
        return try ParameterSet(schema: schema, flat: acc.map { $0 / total })
    }

    /// Element-wise sum of several sets (aggregation of sufficient statistics).
    public static func sum(_ sets: [ParameterSet]) throws -> ParameterSet {
        guard let first = sets.first else { throw ParameterSetError.missingTensor("<no sets>") }
        var acc = ParameterSet.zeros(first.schema)
        for set in sets { acc = try acc.adding(set) }
        return acc
    }
}
