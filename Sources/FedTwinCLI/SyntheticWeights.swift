import FedTwinWire
import Foundation

/// Tensors that look like trained weights (Gaussian, per-layer scale), for samples and
/// benchmarks. Deterministic in the seed.
enum SyntheticWeights {
    static func update(parameters: Int, seed: UInt64) -> [Tensor] {
        var state = seed
        func next() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
        }
        func gaussians(_ n: Int, _ scale: Double) -> [Float] {
            (0..<n).map { _ in Float(scale * (-2 * log(max(next(), 1e-300))).squareRoot() * cos(2 * .pi * next())) }
        }
        let bias = max(1, parameters / 1000)
        let columns = max(1, (parameters - bias) / 1000)
        let rows = (parameters - bias) / columns
        let weights = rows * columns
        var tensors = [
            Tensor(name: "dense.weight", shape: [rows, columns], floats: gaussians(weights, (2 / Double(columns)).squareRoot())),
            Tensor(name: "dense.bias", shape: [bias], floats: gaussians(bias, 0.01)),
        ]
        let rest = parameters - weights - bias
        if rest > 0 { tensors.append(Tensor(name: "extra", shape: [rest], floats: gaussians(rest, 0.05))) }
        return tensors
    }
}
