import FedTwinWire

/// Federated averaging (McMahan et al. 2017): the new model is the base plus the
/// sample-weighted mean of the site deltas.
public struct FedAvg: AggregationStrategy {
    public init() {}

    public var config: StrategyConfig { StrategyConfig(name: "fedavg") }

    public func apply(meanDelta: [[Double]], to base: ModelState, schema: ParameterSchema) throws -> ModelState {
        ModelState(parameters: addingDelta(meanDelta, scale: 1, to: base.parameters), optimizerState: [])
    }
}

/// `base + scale × delta`, computed in binary64 and rounded to each tensor's dtype.
func addingDelta(_ delta: [[Double]], scale: Double, to base: [Tensor]) -> [Tensor] {
    zip(base, delta).map { tensor, d in
        switch tensor.values {
        case .f32(let v):
            return Tensor(name: tensor.name, shape: tensor.shape, floats: (0..<v.count).map { Float(Double(v[$0]) + scale * d[$0]) })
        case .f64(let v):
            return Tensor(name: tensor.name, shape: tensor.shape, doubles: (0..<v.count).map { v[$0] + scale * d[$0] })
        }
    }
}
