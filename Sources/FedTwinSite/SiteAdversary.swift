import FedTwinWire
import TwinKit

/// A deliberately malicious site, for robustness experiments and tests only.
///
/// The threat it models is a site that is enrolled, holds its own valid key and follows
/// the protocol to the letter, but lies about its model update: it trains honestly, then
/// transforms the delta before it is encoded and signed. The coordinator therefore sees a
/// perfectly authentic, well-formed update; only the aggregation (robust combiners,
/// clipping, `maxUpdateNorm`) can limit the damage. Signatures prove *who* sent an update,
/// never that it is honest — this mode exists to measure how much that matters.
///
/// Attacks (`fedtwin-site --adversary SPEC`):
/// - `scale:FACTOR` — send FACTOR × the honest delta (a "boosting" attack, e.g. 10);
/// - `sign-flip` or `sign-flip:FACTOR` — send −FACTOR × the honest delta (FACTOR 1 by default);
/// - `gaussian:SIGMA` — send N(0, SIGMA²) noise in every coordinate instead of the delta
///   (the honest result is discarded), drawn from a generator seeded by the round and the
///   site's seed, so a run can be reproduced.
///
/// Only delta (mean-aggregated) components can be attacked this way; the site refuses to
/// start with an adversary for a sum-aggregated component such as `mspc-monitor`.
public enum SiteAdversary: Sendable, Hashable, CustomStringConvertible {
    case scale(Double)
    case signFlip(Double)
    case gaussian(sigma: Double)

    /// Parses `scale:FACTOR`, `sign-flip[:FACTOR]` or `gaussian:SIGMA`.
    public init(parsing spec: String) throws(SiteAdversaryError) {
        let parts = spec.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let kind = parts[0].lowercased()
        let argument = parts.count > 1 ? parts[1] : nil
        func number(_ what: String) throws(SiteAdversaryError) -> Double {
            guard let argument else { throw SiteAdversaryError(spec: spec, problem: "\(kind) needs a \(what), e.g. \(kind):10") }
            guard let value = Double(argument), value.isFinite, value > 0 else {
                throw SiteAdversaryError(spec: spec, problem: "\(what) must be a finite number > 0, got '\(argument)'")
            }
            return value
        }
        switch kind {
        case "scale": self = .scale(try number("factor"))
        case "sign-flip":
            if argument == nil { self = .signFlip(1) } else { self = .signFlip(try number("factor")) }
        case "gaussian": self = .gaussian(sigma: try number("sigma"))
        default:
            throw SiteAdversaryError(spec: spec, problem: "unknown attack '\(kind)' (known: scale:FACTOR, sign-flip[:FACTOR], gaussian:SIGMA)")
        }
    }

    /// The spec this value parses from (round-trips through `init(parsing:)`).
    public var description: String {
        switch self {
        case .scale(let f): return "scale:\(f.formatted)"
        case .signFlip(let f): return f == 1 ? "sign-flip" : "sign-flip:\(f.formatted)"
        case .gaussian(let sigma): return "gaussian:\(sigma.formatted)"
        }
    }

    /// What the attack does, for the warning a site prints when it is on.
    public var summary: String {
        switch self {
        case .scale(let f): return "every update is the honest delta multiplied by \(f.formatted)"
        case .signFlip(let f): return "every update is the honest delta multiplied by −\(f.formatted)"
        case .gaussian(let sigma): return "every update is Gaussian noise (σ = \(sigma.formatted)) instead of the honest delta"
        }
    }

    /// The malicious delta to send in place of `delta` (the honest one), same names,
    /// shapes and dtypes. `round` and `seed` only matter for `gaussian`: the noise is a
    /// deterministic function of them.
    public func apply(to delta: [Tensor], round: UInt64, seed: UInt64) -> [Tensor] {
        switch self {
        case .scale(let f): return delta.map { $0.scaled(by: f) }
        case .signFlip(let f): return delta.map { $0.scaled(by: -f) }
        case .gaussian(let sigma):
            var rng = Xoshiro256StarStar(seed: seed, stream: round)
            return delta.map { t in
                let noise = (0..<t.values.count).map { _ in rng.nextGaussian(mean: 0, standardDeviation: sigma) }
                switch t.values {
                case .f32: return Tensor(name: t.name, shape: t.shape, floats: noise.map { Float($0) })
                case .f64: return Tensor(name: t.name, shape: t.shape, doubles: noise)
                }
            }
        }
    }
}

/// An adversary spec that does not parse, with the spec and what is wrong with it.
public struct SiteAdversaryError: Error, Sendable, Equatable, CustomStringConvertible {
    public var spec: String
    public var problem: String

    public init(spec: String, problem: String) {
        self.spec = spec
        self.problem = problem
    }

    public var description: String { "adversary '\(spec)': \(problem)" }
}

extension Tensor {
    /// L2 norm of a set of tensors taken as one vector (binary64), as the coordinator's
    /// clipping and `maxUpdateNorm` measure it.
    static func l2Norm(_ tensors: [Tensor]) -> Double {
        var sum = 0.0
        for t in tensors {
            switch t.values {
            case .f32(let v): for x in v { sum += Double(x) * Double(x) }
            case .f64(let v): for x in v { sum += x * x }
            }
        }
        return sum.squareRoot()
    }

    /// Every element multiplied by `factor`, in the tensor's own dtype.
    func scaled(by factor: Double) -> Tensor {
        switch values {
        case .f32(let v): return Tensor(name: name, shape: shape, floats: v.map { Float(Double($0) * factor) })
        case .f64(let v): return Tensor(name: name, shape: shape, doubles: v.map { $0 * factor })
        }
    }
}

extension Double {
    /// Shortest form for messages: "10" rather than "10.0".
    fileprivate var formatted: String {
        self == rounded() && abs(self) < 1e15 ? String(Int(self)) : String(self)
    }
}
