import FedTwinWire

/// The step FedAdam, FedAdagrad and FedYogi share (Reddi et al. 2021, Algorithm 2): with the combined
/// delta Δ as pseudo-gradient, m ← β₁m + (1−β₁)Δ, v ← `second(v, Δ)`, and
/// x ← x + η·m / (√v + τ), elementwise, in fixed order. The moments are the optimiser state
/// `PREFIX.m.NAME` and `PREFIX.v.NAME` (f64). Only the second-moment rule differs between
/// the optimisers, so it is the one thing they pass in.
struct AdaptiveServerStep {
    let strategy: String
    let prefix: String
    let learningRate: Double
    let beta1: Double
    let tau: Double
    let second: (_ v: Double, _ delta: Double) -> Double

    func apply(meanDelta: [[Double]], to base: ModelState, schema: ParameterSchema) throws -> ModelState {
        let previous = try ServerOptimizerState.read(["\(prefix).m", "\(prefix).v"], from: base, schema: schema, strategy: strategy)
        var state: [Tensor] = []
        var parameters: [Tensor] = []
        for (index, tensor) in base.parameters.enumerated() {
            let delta = meanDelta[index]
            var m = previous[0][index], v = previous[1][index]
            var step = [Double](repeating: 0, count: delta.count)
            for i in 0..<delta.count {
                m[i] = beta1 * m[i] + (1 - beta1) * delta[i]
                v[i] = second(v[i], delta[i])
                step[i] = m[i] / (v[i].squareRoot() + tau)
            }
            parameters += addingDelta([step], scale: learningRate, to: [tensor])
            state.append(ServerOptimizerState.tensor("\(prefix).m", of: tensor, m))
            state.append(ServerOptimizerState.tensor("\(prefix).v", of: tensor, v))
        }
        return ModelState(parameters: parameters, optimizerState: state)
    }
}
