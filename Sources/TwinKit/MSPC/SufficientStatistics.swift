/// Count, sum and sum of outer products of unfolded batch rows.
///
/// These add exactly across sites, so the consortium's PCA is built from the sum of each
/// site's statistics without any site revealing a batch: one round, no iterations, and
/// the result equals pooled PCA up to floating-point summation order.
public struct SufficientStatistics: Sendable, Equatable {
    public var count: Double
    public var sum: [Double]
    /// Row-major `p × p` Σ xxᵀ.
    public var crossProducts: [Double]
    public var dimension: Int

    public init(dimension p: Int) {
        count = 0
        sum = [Double](repeating: 0, count: p)
        crossProducts = [Double](repeating: 0, count: p * p)
        dimension = p
    }

    /// Adds one observation.
    public mutating func add(_ x: [Double]) {
        precondition(x.count == dimension)
        count += 1
        let p = dimension
        for i in 0..<p {
            sum[i] += x[i]
            let xi = x[i]
            for j in 0..<p { crossProducts[i * p + j] += xi * x[j] }
        }
    }

    /// Element-wise sum with another site's statistics.
    public func merged(with other: SufficientStatistics) -> SufficientStatistics {
        precondition(other.dimension == dimension)
        var out = self
        out.count += other.count
        for i in 0..<dimension { out.sum[i] += other.sum[i] }
        for i in 0..<(dimension * dimension) { out.crossProducts[i] += other.crossProducts[i] }
        return out
    }

    /// Tensor names used on the wire.
    public static func schema(dimension p: Int) -> ParameterSchema {
        ParameterSchema([
            TensorSpec(name: "mspc.count", shape: [1]),
            TensorSpec(name: "mspc.sum", shape: [p]),
            TensorSpec(name: "mspc.cross", shape: [p, p]),
        ])
    }

    /// As a parameter set (summed, not averaged, by the coordinator).
    public var parameterSet: ParameterSet {
        // Force-try is safe: sizes come from `dimension`.
        try! ParameterSet(schema: Self.schema(dimension: dimension), flat: [count] + sum + crossProducts)
    }

    /// From a (summed) parameter set.
    public init(_ set: ParameterSet, dimension p: Int) throws {
        try set.validate(against: Self.schema(dimension: p))
        let flat = set.flattened()
        count = flat[0]
        sum = Array(flat[1...p])
        crossProducts = Array(flat[(p + 1)...])
        dimension = p
    }
}
