import FedTwinWire

/// Folds site contributions into the next model state one at a time.
///
/// With the plain mean (the default), memory is one binary64 accumulator per parameter,
/// whatever the number of sites: the caller decodes an update, adds it, and drops it.
/// Update-norm clipping (`clip`) scales each delta as it is added, so it streams too. A
/// robust combiner (median, trimmed mean, Krum, Multi-Krum) needs every delta at once: the
/// aggregator then keeps one binary64 copy of each (clipped) delta, memory
/// O(sites × parameters), and combines them in `finish` (see `DeltaCombination`).
///
/// Floating-point addition is not associative, so the caller adds contributions in a fixed
/// order (the coordinator and `models verify --replay` both use ascending site name); the
/// result is then bit-for-bit reproducible.
public struct StreamingAggregator: Sendable {
    public let component: ComponentSpec
    public let strategy: any AggregationStrategy
    let combination: DeltaCombination
    let base: ModelState
    var accumulator: [[Double]]
    /// Robust combiners only: each contribution's (clipped) delta, flattened, in order.
    var buffered: [[Double]] = []
    public private(set) var totalSamples = 0
    public private(set) var contributions = 0

    public init(component: ComponentSpec, strategy: any AggregationStrategy, base: ModelState) throws {
        try component.schema.validate(base.parameters)
        self.component = component
        self.strategy = strategy
        self.combination = strategy.combination
        self.base = base
        if component.aggregation == .sum, !combination.isPlainMean {
            throw StrategyError(strategy: strategy.config.name,
                                detail: "component \(component.id) sums sufficient statistics; combiners and clipping apply only to delta (mean) components",
                                setting: "combiner")
        }
        let robust = combination.combiner != .mean
        self.accumulator = robust ? [] : component.schema.tensors.map { [Double](repeating: 0, count: $0.elementCount) }
    }

    /// Adds one site's tensors: a delta from the base (kind `mean`) or statistics (kind `sum`).
    public mutating func add(_ tensors: [Tensor], samples: Int) throws {
        try component.schema.validate(tensors)
        guard samples > 0 else { throw StrategyError(strategy: strategy.config.name, detail: "a contribution needs at least one sample, got \(samples)") }
        // Sample counts come from sites: a sum that does not fit is refused, never trapped on.
        guard !totalSamples.addingReportingOverflow(samples).overflow else {
            throw StrategyError(strategy: strategy.config.name, detail: "the contributions' sample counts add up to more than \(Int.max)")
        }
        let scale = combination.clip == nil ? 1 : combination.clipFactor(norm: DeltaCombination.l2Norm(tensors))
        if combination.combiner != .mean {
            var flat: [Double] = []
            flat.reserveCapacity(component.schema.parameterCount)
            for tensor in tensors {
                switch tensor.values {
                case .f32(let v): for x in v { flat.append(scale * Double(x)) }
                case .f64(let v): for x in v { flat.append(scale * x) }
                }
            }
            buffered.append(flat)
        } else {
            // Without clipping the factor is exactly the weight, as it always was.
            let weight = (component.aggregation == .mean ? Double(samples) : 1) * scale
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
        }
        totalSamples += samples  // checked above, before anything was accumulated
        contributions += 1
    }

    /// The next state. Throws if nothing was added, or if a parameter of the result is not
    /// finite in its dtype (a sum or a step beyond the binary32 range): such a state would
    /// be refused by every site, so it is never committed.
    public func finish() throws -> ModelState {
        let state = try combine()
        for tensor in state.parameters + state.optimizerState {
            let finite: Bool
            switch tensor.values {
            case .f32(let v): finite = v.allSatisfy(\.isFinite)
            case .f64(let v): finite = v.allSatisfy(\.isFinite)
            }
            guard finite else {
                throw StrategyError(strategy: strategy.config.name, detail: "the aggregated tensor \(tensor.name) is not finite (beyond its dtype's range)")
            }
        }
        return state
    }

    func combine() throws -> ModelState {
        guard contributions > 0 else { throw StrategyError(strategy: strategy.config.name, detail: "no contributions to aggregate") }
        switch component.aggregation {
        case .mean:
            let delta: [[Double]]
            if combination.combiner != .mean {
                let combined = try combination.combine(buffered, strategy: strategy.config.name)
                var offset = 0
                delta = component.schema.tensors.map { spec in
                    defer { offset += spec.elementCount }
                    return Array(combined[offset..<(offset + spec.elementCount)])
                }
            } else {
                let total = Double(totalSamples)
                delta = accumulator.map { $0.map { $0 / total } }
            }
            return try strategy.apply(meanDelta: delta, to: base, schema: component.schema)
        case .sum:
            let parameters = zip(component.schema.tensors, accumulator).map { spec, sum in
                spec.dtype == .f32 ? Tensor(name: spec.name, shape: spec.shape, floats: sum.map { Float($0) })
                                   : Tensor(name: spec.name, shape: spec.shape, doubles: sum)
            }
            return ModelState(parameters: parameters, optimizerState: [])
        }
    }
}
