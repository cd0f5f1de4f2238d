/// Minibatch Adam on a masked mean-squared error, with an optional proximal term.
///
/// Shared by every network-based component so they train the same way. A `NaN` target
/// means "not observed" and contributes nothing (offline assays are sparse). The
/// proximal term `μ/2‖w − w₀‖²` anchors local training to the parameters the
/// coordinator sent (FedProx), which limits client drift on non-IID sites. Each epoch is
/// reported to `TrainingProgress.reporter` when one is bound.
public struct RegressionTrainer: Sendable {
    public var epochs: Int
    public var batchSize: Int
    public var learningRate: Double
    /// Seeds minibatch order.
    public var seed: UInt64
    /// FedProx coefficient μ (0 = plain local training).
    public var proximalMu: Double
    /// L2 penalty on all weights (small; keeps extrapolation tame).
    public var weightDecay: Double
    /// Apply weight decay decoupled from Adam's moment scaling (AdamW, Loshchilov & Hutter
    /// 2019) instead of as an L2 gradient. With the L2 form Adam normalises the decay
    /// gradient, so parameters a site has no data about move at the full learning rate.
    public var decoupledWeightDecay: Bool = false
    /// Per-output weights on squared errors (nil = all 1). Lets a component say which
    /// outputs matter more per unit error, e.g. inverse noise variances.
    public var outputWeights: [Double]?

    public init(epochs: Int, batchSize: Int = 32, learningRate: Double = 1e-2, seed: UInt64, proximalMu: Double = 0,
                weightDecay: Double = 0, outputWeights: [Double]? = nil) {
        self.outputWeights = outputWeights
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.seed = seed
        self.proximalMu = proximalMu
        self.weightDecay = weightDecay
    }

    /// Masked (weighted) mean squared error of `model` over the samples (observed entries only).
    public static func loss(_ model: MLP, inputs: [[Double]], targets: [[Double]], outputWeights: [Double]? = nil) -> Double {
        var total = 0.0
        var n = 0
        for (x, y) in zip(inputs, targets) {
            let out = model.forward(x)
            for k in 0..<y.count where !y[k].isNaN {
                let d = out[k] - y[k]
                total += (outputWeights?[k] ?? 1) * d * d
                n += 1
            }
        }
        return n > 0 ? total / Double(n) : 0
    }

    /// Trains `model` in place on an arbitrary per-sample loss: `lossAndGradient(i, output)`
    /// returns sample i's loss and ∂loss/∂output, or nil when the sample has nothing
    /// observed. Used by components whose outputs pass through a physical transform before
    /// they are compared with data. Returns the mean loss after each epoch.
    @discardableResult
    public func fit(_ model: inout MLP, inputs: [[Double]],
                    lossAndGradient: (Int, [Double]) -> (loss: Double, gradient: [Double])?) -> [Double] {
        guard !inputs.isEmpty, epochs > 0 else { return [] }
        let anchor = model.parameters
        var adam = AdamOptimizer(parameterCount: model.parameterCount, learningRate: learningRate)
        var rng = Xoshiro256StarStar(seed: seed)
        var order = Array(0..<inputs.count)
        var history: [Double] = []
        var gradient = [Double](repeating: 0, count: model.parameterCount)
        for _ in 0..<epochs {
            rng.shuffle(&order)
            var start = 0
            while start < order.count {
                let end = min(start + batchSize, order.count)
                for i in 0..<gradient.count { gradient[i] = 0 }
                var used = 0
                for idx in order[start..<end] {
                    let trace = model.trace(inputs[idx])
                    guard let (_, g) = lossAndGradient(idx, trace.output) else { continue }
                    model.backward(trace, outputGradient: g, parameterGradient: &gradient)
                    used += 1
                }
                if used > 0 {
                    step(&model, gradient: &gradient, scale: 1 / Double(used), anchor: anchor, adam: &adam)
                }
                start = end
            }
            var total = 0.0
            var n = 0
            for i in 0..<inputs.count {
                if let (l, _) = lossAndGradient(i, model.forward(inputs[i])) { total += l; n += 1 }
            }
            history.append(n > 0 ? total / Double(n) : 0)
            TrainingProgress.report(epoch: history.count, of: epochs, loss: history.last)
        }
        return history
    }

    /// Trains `model` in place; returns the training loss after each epoch.
    @discardableResult
    public func fit(_ model: inout MLP, inputs: [[Double]], targets: [[Double]]) -> [Double] {
        precondition(inputs.count == targets.count)
        guard !inputs.isEmpty, epochs > 0 else { return [] }
        let anchor = model.parameters
        var adam = AdamOptimizer(parameterCount: model.parameterCount, learningRate: learningRate)
        var rng = Xoshiro256StarStar(seed: seed)
        var order = Array(0..<inputs.count)
        var history: [Double] = []
        var gradient = [Double](repeating: 0, count: model.parameterCount)
        for _ in 0..<epochs {
            rng.shuffle(&order)
            var start = 0
            while start < order.count {
                let end = min(start + batchSize, order.count)
                for i in 0..<gradient.count { gradient[i] = 0 }
                var observed = 0
                for idx in order[start..<end] {
                    let trace = model.trace(inputs[idx])
                    let out = trace.output
                    var dOut = [Double](repeating: 0, count: out.count)
                    var any = false
                    for k in 0..<out.count where !targets[idx][k].isNaN {
                        dOut[k] = 2 * (outputWeights?[k] ?? 1) * (out[k] - targets[idx][k])
                        observed += 1
                        any = true
                    }
                    if any { model.backward(trace, outputGradient: dOut, parameterGradient: &gradient) }
                }
                if observed > 0 {
                    step(&model, gradient: &gradient, scale: 1 / Double(observed), anchor: anchor, adam: &adam)
                }
                start = end
            }
            history.append(Self.loss(model, inputs: inputs, targets: targets, outputWeights: outputWeights))
            TrainingProgress.report(epoch: history.count, of: epochs, loss: history.last)
        }
        return history
    }

    /// One optimiser step shared by both `fit`s: the minibatch gradient scaled to a mean, the
    /// FedProx pull towards `anchor`, L2 or decoupled (AdamW-style) weight decay, then Adam.
    private func step(_ model: inout MLP, gradient: inout [Double], scale: Double, anchor: [Double], adam: inout AdamOptimizer) {
        for i in 0..<gradient.count {
            gradient[i] = gradient[i] * scale
                + proximalMu * (model.parameters[i] - anchor[i])
                + (decoupledWeightDecay ? 0 : weightDecay * model.parameters[i])
        }
        adam.update(&model.parameters, gradient: gradient)
        if decoupledWeightDecay && weightDecay > 0 {
            let shrink = 1 - learningRate * weightDecay
            for i in 0..<model.parameters.count { model.parameters[i] *= shrink }
        }
    }
}
