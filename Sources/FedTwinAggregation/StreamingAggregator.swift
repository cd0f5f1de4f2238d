import FedTwinWire

/// Folds site contributions into the next model state one at a time.
///
/// Memory is one binary64 accumulator per parameter, whatever the number of sites: the
/// caller decodes an update, adds it, and drops it. Floating-point addition is not
/// associative, so the caller adds contributions in a fixed order (the coordinator and
/// `models verify --replay` both use ascending site name); the result is then
/// bit-for-bit reproducible.
public struct StreamingAggregator: Sendable {
    public let component: ComponentSpec
    public let strategy: any AggregationStrategy
    let base: ModelState
    var accumulator: [[Double]]
    public private(set) var totalSamples = 0
    public private(set) var contributions = 0

    public init(component: ComponentSpec, strategy: any AggregationStrategy, base: ModelState) throws {
        try component.schema.validate(base.parameters)
        self.component = component
        self.strategy = strategy
        self.base = base
        self.accumulator = component.schema.tensors.map { [Double](repeating: 0, count: $0.elementCount) }
    }

    /// Adds one site's tensors: a delta from the base (kind `mean`) or statistics (kind `sum`).
    public mutating func add(_ tensors: [Tensor], samples: Int) throws {
        try component.schema.validate(tensors)
        guard samples > 0 else { throw StrategyError(strategy: strategy.config.name, detail: "a contribution needs at least one sample, got \(samples)") }
        let weight = component.aggregation == .mean ? Double(samples) : 1
        for (index, tensor) in tensors.enumerated() {
            accumulator[index].withUnsafeMutableBufferPointer { acc in
                switch tensor.values {
                case .f32(let v):
                    v.withUnsafeBufferPointer { src in for i in 0..<src.count { acc[i] += weight * Double(src[i]) } }
                case .f64(let v):
                    v.withUnsafeBufferPointer { src in for i in 0..<src.count { acc[i] += weight * src[i] } }
                }
            }
        }
        totalSamples += samples
        contributions += 1
    }

    /// The next state. Throws if nothing was added.
    public func finish() throws -> ModelState {
        guard contributions > 0 else { throw StrategyError(strategy: strategy.config.name, detail: "no contributions to aggregate") }
        switch component.aggregation {
        case .mean:
            let total = Double(totalSamples)
            let mean = accumulator.map { $0.map { $0 / total } }
            return try strategy.apply(meanDelta: mean, to: base, schema: component.schema)
        case .sum:
            let parameters = zip(component.schema.tensors, accumulator).map { spec, sum in
                spec.dtype == .f32 ? Tensor(name: spec.name, shape: spec.shape, floats: sum.map { Float($0) })
                                   : Tensor(name: spec.name, shape: spec.shape, doubles: sum)
            }
            return ModelState(parameters: parameters, optimizerState: [])
        }
    }
}
