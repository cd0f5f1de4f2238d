import Foundation

/// Adaptive Dormand–Prince 5(4) integrator (the method behind MATLAB's `ode45`).
///
/// The fed-batch model is mildly stiff exactly when substrate runs out: production
/// saturates at K_p = 0.2 mg/L, so near starvation the substrate eigenvalue reaches
/// ~100–200 /h. A fixed RK4 step that is fine for the rest of the batch then overshoots
/// and only converges at first order (measured; see docs/twin.md). Error control shrinks
/// the step only where needed, so the simulator is accurate to its tolerance everywhere.
public struct DormandPrince45: Sendable {
    /// Relative tolerance per component.
    public var relativeTolerance: Double
    /// Absolute tolerance per component.
    public var absoluteTolerance: Double
    /// Upper bound on the step (h).
    public var maxStep: Double

    public init(relativeTolerance: Double = 1e-7, absoluteTolerance: Double = 1e-9, maxStep: Double = 1) {
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
        self.maxStep = maxStep
    }

    /// Butcher tableau of Dormand & Prince (1980); `e` = 5th- minus 4th-order weights.
    private enum C {
        static let c2 = 1.0 / 5, c3 = 3.0 / 10, c4 = 4.0 / 5, c5 = 8.0 / 9
        static let a21 = 1.0 / 5
        static let a31 = 3.0 / 40, a32 = 9.0 / 40
        static let a41 = 44.0 / 45, a42 = -56.0 / 15, a43 = 32.0 / 9
        static let a51 = 19372.0 / 6561, a52 = -25360.0 / 2187, a53 = 64448.0 / 6561, a54 = -212.0 / 729
        static let a61 = 9017.0 / 3168, a62 = -355.0 / 33, a63 = 46732.0 / 5247, a64 = 49.0 / 176, a65 = -5103.0 / 18656
        static let b1 = 35.0 / 384, b3 = 500.0 / 1113, b4 = 125.0 / 192, b5 = -2187.0 / 6784, b6 = 11.0 / 84
        static let e1 = 71.0 / 57600, e3 = -71.0 / 16695, e4 = 71.0 / 1920, e5 = -17253.0 / 339200, e6 = 22.0 / 525, e7 = -1.0 / 40
    }

    /// Work done by one ``integrate(from:to:_:initialStep:_:)`` call.
    public struct Statistics: Sendable, Equatable {
        public var accepted = 0
        public var rejected = 0
        /// Set when integration stopped early: the error became non-finite (NaN or ∞ in the
        /// right-hand side, e.g. from corrupt parameters) or the step underflowed. The
        /// returned state is then the last accepted one, at ``stoppedAt``.
        public var failed = false
        public var stoppedAt: Double? = nil
    }

    /// Integrates `dy/dt = f(t, y)` from `t0` to `t1`. Returns the end state, the step size
    /// to try next (pass it to the following interval to avoid re-learning it), and counts.
    public func integrate<V: SIMD>(from t0: Double, to t1: Double, _ y0: V, initialStep: Double? = nil,
                                   _ f: (Double, V) -> V) -> (state: V, nextStep: Double, statistics: Statistics) where V.Scalar == Double {
        var stats = Statistics()
        guard t1 > t0 else { return (y0, initialStep ?? maxStep, stats) }
        var t = t0
        var y = y0
        var h = min(initialStep ?? min(maxStep, (t1 - t0) / 10), maxStep)
        var k1 = f(t, y)
        while t < t1 {
            let last = t + h >= t1
            if last { h = t1 - t }
            let k2 = f(t + h * C.c2, y + (h * C.a21) * k1)
            var s3 = C.a31 * k1
            s3 += C.a32 * k2
            let k3 = f(t + h * C.c3, y + h * s3)
            var s4 = C.a41 * k1
            s4 += C.a42 * k2
            s4 += C.a43 * k3
            let k4 = f(t + h * C.c4, y + h * s4)
            var s5 = C.a51 * k1
            s5 += C.a52 * k2
            s5 += C.a53 * k3
            s5 += C.a54 * k4
            let k5 = f(t + h * C.c5, y + h * s5)
            var s6 = C.a61 * k1
            s6 += C.a62 * k2
            s6 += C.a63 * k3
            s6 += C.a64 * k4
            s6 += C.a65 * k5
            let k6 = f(t + h, y + h * s6)
            var s7 = C.b1 * k1
            s7 += C.b3 * k3
            s7 += C.b4 * k4
            s7 += C.b5 * k5
            s7 += C.b6 * k6
            let yNew = y + h * s7
            let k7 = f(t + h, yNew)
            var e = C.e1 * k1
            e += C.e3 * k3
            e += C.e4 * k4
            e += C.e5 * k5
            e += C.e6 * k6
            e += C.e7 * k7
            let err = h * e
            var sum = 0.0
            for i in 0..<V.scalarCount {
                let scale: Double = absoluteTolerance + relativeTolerance * Swift.max(Swift.abs(y[i]), Swift.abs(yNew[i]))
                let r: Double = err[i] / scale
                sum += r * r
            }
            let norm = (sum / Double(V.scalarCount)).squareRoot()
            let factor = norm == 0 ? 5 : min(5, max(0.2, 0.9 * Foundation.pow(norm, -0.2)))
            if !norm.isFinite && !yNew.isFiniteVector {
                // Shrinking cannot help once the right-hand side itself is not finite.
                stats.failed = true
                stats.stoppedAt = t
                return (y, h, stats)
            }
            if norm <= 1 {
                stats.accepted += 1
                t = last ? t1 : t + h
                y = yNew
                k1 = k7 // first-same-as-last
                h = min(h * factor, maxStep)
            } else {
                stats.rejected += 1
                h *= norm.isFinite ? max(0.2, factor) : 0.2
                if h <= 1e-12 * max(1, abs(t)) {
                    stats.failed = true
                    stats.stoppedAt = t
                    return (y, h, stats)
                }
            }
        }
        return (y, h, stats)
    }
}
