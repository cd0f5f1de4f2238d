/// Finiteness check for integrator states (NaN/∞ detection without Foundation).
extension SIMD where Scalar == Double {
    /// True when every component is finite.
    var isFiniteVector: Bool {
        for i in indices where !self[i].isFinite { return false }
        return true
    }
}
