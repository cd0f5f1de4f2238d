/// Manual reverse-mode differentiation.
///
/// Written out by hand (no autodiff) so it can be checked against finite differences in
/// the tests and so the hybrid model can chain it with its own mass-balance derivatives.
extension MLP {
    /// Forward pass that records what the backward pass needs.
    public func trace(_ input: [Double]) -> MLPTrace {
        precondition(input.count == inputCount, "input size \(input.count) != \(inputCount)")
        var acts: [[Double]] = [input]
        var pres: [[Double]] = []
        acts.reserveCapacity(activations.count + 1)
        pres.reserveCapacity(activations.count)
        parameters.withUnsafeBufferPointer { p in
            for l in 0..<activations.count {
                let nIn = layerSizes[l]
                let nOut = layerSizes[l + 1]
                let act = activations[l]
                let a = acts[l]
                var z = [Double](repeating: 0, count: nOut)
                var out = [Double](repeating: 0, count: nOut)
                let w = weightOffsets[l]
                let b = biasOffsets[l]
                for o in 0..<nOut {
                    var s = p[b + o]
                    let row = w + o * nIn
                    for i in 0..<nIn { s += p[row + i] * a[i] }
                    z[o] = s
                    out[o] = act.apply(s)
                }
                pres.append(z)
                acts.append(out)
            }
        }
        return MLPTrace(activations: acts, preActivations: pres)
    }

    /// Back-propagates `outputGradient` (∂L/∂output) through the recorded pass.
    ///
    /// Adds ∂L/∂parameters into `parameterGradient` (accumulating, so minibatches need no
    /// temporary arrays) and returns ∂L/∂input.
    @discardableResult
    public func backward(_ trace: MLPTrace, outputGradient: [Double], parameterGradient: inout [Double]) -> [Double] {
        precondition(outputGradient.count == outputCount)
        precondition(parameterGradient.count == parameters.count)
        var upstream = outputGradient
        parameters.withUnsafeBufferPointer { p in
            parameterGradient.withUnsafeMutableBufferPointer { g in
                for l in stride(from: activations.count - 1, through: 0, by: -1) {
                    let nIn = layerSizes[l]
                    let nOut = layerSizes[l + 1]
                    let act = activations[l]
                    let z = trace.preActivations[l]
                    let out = trace.activations[l + 1]
                    let a = trace.activations[l]
                    let w = weightOffsets[l]
                    let b = biasOffsets[l]
                    var downstream = [Double](repeating: 0, count: nIn)
                    for o in 0..<nOut {
                        let delta = upstream[o] * act.derivative(preActivation: z[o], output: out[o])
                        if delta == 0 { continue }
                        g[b + o] += delta
                        let row = w + o * nIn
                        for i in 0..<nIn {
                            g[row + i] += delta * a[i]
                            downstream[i] += delta * p[row + i]
                        }
                    }
                    upstream = downstream
                }
            }
        }
        return upstream
    }
}
