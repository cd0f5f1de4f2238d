/// Classical fourth-order Runge–Kutta with a fixed maximum step.
///
/// Batch inputs (feed, temperature, pH) are piecewise constant between logged rows, so the
/// right-hand side is smooth only *within* each row interval. A fixed-step method that
/// integrates interval by interval never steps across a discontinuity, which matters more
/// for accuracy here than adaptivity. The step size is checked against a half-step
/// reference in the tests and in `docs/twin.md`.
public struct RungeKutta4: Sendable {
    /// Largest step taken (h). Each call uses `ceil(span / maxStep)` equal sub-steps.
    public var maxStep: Double

    public init(maxStep: Double) {
        precondition(maxStep > 0, "maxStep must be positive")
        self.maxStep = maxStep
    }

    /// Integrates `dy/dt = f(t, y)` from `t0` to `t1` starting at `y0`.
    public func integrate<V: SIMD>(from t0: Double, to t1: Double, _ y0: V, _ f: (Double, V) -> V) -> V where V.Scalar == Double {
        let span = t1 - t0
        guard span > 0 else { return y0 }
        let steps = max(1, Int((span / maxStep).rounded(.up)))
        let h = span / Double(steps)
        var y = y0
        var t = t0
        for _ in 0..<steps {
            y = Self.step(t, y, h, f)
            t += h
        }
        return y
    }

    /// One RK4 step of size `h`.
    @inline(__always)
    public static func step<V: SIMD>(_ t: Double, _ y: V, _ h: Double, _ f: (Double, V) -> V) -> V where V.Scalar == Double {
        let k1 = f(t, y)
        let k2 = f(t + h / 2, y + (h / 2) * k1)
        let k3 = f(t + h / 2, y + (h / 2) * k2)
        let k4 = f(t + h, y + h * k3)
        return y + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
    }
}
