/// How the SPE (Q) control limit is approximated from the residual eigenvalues.
public enum SPELimitMethod: String, Sendable, Codable {
    /// Jackson & Mudholkar (1979) normal approximation.
    case jacksonMudholkar
    /// Box (1954): SPE ≈ g·χ²_h with g = θ₂/θ₁, h = θ₁²/θ₂.
    case box
}
