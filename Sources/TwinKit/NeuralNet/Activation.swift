import Foundation

/// Element-wise activation of a dense layer.
///
/// `softplus` and `sigmoid` exist so that output layers can produce physically
/// meaningful values (non-negative or bounded rates) without post-hoc clipping, which
/// would kill gradients exactly where the model is wrong.
public enum Activation: String, Sendable, Codable, CaseIterable {
    case tanh
    case softplus
    case sigmoid
    case linear

    /// f(z).
    @inline(__always)
    public func apply(_ z: Double) -> Double {
        switch self {
        case .tanh:
            return Foundation.tanh(z)
        case .softplus:
            // Stable form: never overflows for large |z|.
            return z > 0 ? z + Foundation.log1p(Foundation.exp(-z)) : Foundation.log1p(Foundation.exp(z))
        case .sigmoid:
            return Self.logistic(z)
        case .linear:
            return z
        }
    }

    /// f'(z), given both the pre-activation `z` and the output `a = f(z)` (whichever is cheaper).
    @inline(__always)
    public func derivative(preActivation z: Double, output a: Double) -> Double {
        switch self {
        case .tanh:
            return 1 - a * a
        case .softplus:
            return Self.logistic(z)
        case .sigmoid:
            return a * (1 - a)
        case .linear:
            return 1
        }
    }

    @inline(__always)
    static func logistic(_ z: Double) -> Double {
        if z >= 0 {
            return 1 / (1 + Foundation.exp(-z))
        }
        let e = Foundation.exp(z)
        return e / (1 + e)
    }

    /// True when He initialisation suits this activation better than Glorot.
    var prefersHeInit: Bool { self == .softplus }
}
