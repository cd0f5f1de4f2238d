import Foundation

/// A small fully connected network with manual forward and backward passes.
///
/// TwinKit's networks have tens to a few thousand weights, so a plain Swift loop beats
/// pulling in an ML framework — and every number is reproducible from a seed. Parameters
/// live in one flat array in schema order (`layer0.weight`, `layer0.bias`, `layer1.weight`,
/// …; weights are `[out, in]` row-major) so optimisers and the federated layer can treat
/// them as a single vector.
public struct MLP: Sendable, Equatable {
    /// `[inputs, hidden…, outputs]`.
    public let layerSizes: [Int]
    /// One activation per layer (count = `layerSizes.count - 1`).
    public let activations: [Activation]
    /// All weights and biases, flat, in schema order.
    public var parameters: [Double]

    /// Offsets of each layer's weight block and bias block in ``parameters``.
    let weightOffsets: [Int]
    let biasOffsets: [Int]

    /// Creates a network with deterministic initialisation from `seed`: Glorot-uniform for
    /// tanh/sigmoid/linear layers, He-normal for softplus layers, zero biases.
    public init(layerSizes: [Int], hidden: Activation = .tanh, output: Activation = .linear, seed: UInt64) {
        precondition(layerSizes.count >= 2 && layerSizes.allSatisfy { $0 > 0 }, "need at least input and output sizes")
        let layers = layerSizes.count - 1
        let activations = (0..<layers).map { $0 == layers - 1 ? output : hidden }
        let (w, b, total) = Self.offsets(layerSizes)
        var rng = Xoshiro256StarStar(seed: seed)
        var params = [Double](repeating: 0, count: total)
        for l in 0..<layers {
            let fanIn = layerSizes[l]
            let fanOut = layerSizes[l + 1]
            for i in 0..<(fanIn * fanOut) {
                if activations[l].prefersHeInit {
                    params[w[l] + i] = rng.nextGaussian() * (2.0 / Double(fanIn)).squareRoot()
                } else {
                    let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
                    params[w[l] + i] = rng.nextUniform(in: -limit, limit)
                }
            }
        }
        self.layerSizes = layerSizes
        self.activations = activations
        self.parameters = params
        self.weightOffsets = w
        self.biasOffsets = b
    }

    /// Creates a network with given parameters (e.g. received from the coordinator).
    public init(layerSizes: [Int], activations: [Activation], parameters: [Double]) throws {
        precondition(layerSizes.count >= 2 && activations.count == layerSizes.count - 1)
        let (w, b, total) = Self.offsets(layerSizes)
        guard parameters.count == total else {
            throw ParameterSetError.countMismatch(name: "<mlp>", expected: total, actual: parameters.count)
        }
        self.layerSizes = layerSizes
        self.activations = activations
        self.parameters = parameters
        self.weightOffsets = w
        self.biasOffsets = b
    }

    static func offsets(_ sizes: [Int]) -> (weights: [Int], biases: [Int], total: Int) {
        var w: [Int] = []
        var b: [Int] = []
        var offset = 0
        for l in 0..<(sizes.count - 1) {
            w.append(offset)
            offset += sizes[l] * sizes[l + 1]
            b.append(offset)
            offset += sizes[l + 1]
        }
        return (w, b, offset)
    }

    /// Number of inputs.
    public var inputCount: Int { layerSizes[0] }
    /// Number of outputs.
    public var outputCount: Int { layerSizes[layerSizes.count - 1] }
    /// Number of trainable scalars.
    public var parameterCount: Int { parameters.count }

    /// Forward pass.
    public func forward(_ input: [Double]) -> [Double] {
        precondition(input.count == inputCount, "input size \(input.count) != \(inputCount)")
        var a = input
        parameters.withUnsafeBufferPointer { p in
            for l in 0..<activations.count {
                let nIn = layerSizes[l]
                let nOut = layerSizes[l + 1]
                let act = activations[l]
                var next = [Double](repeating: 0, count: nOut)
                let w = weightOffsets[l]
                let b = biasOffsets[l]
                for o in 0..<nOut {
                    var z = p[b + o]
                    let row = w + o * nIn
                    for i in 0..<nIn { z += p[row + i] * a[i] }
                    next[o] = act.apply(z)
                }
                a = next
            }
        }
        return a
    }
}
