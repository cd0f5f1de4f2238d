/// How the SPE (Q) control limit is approximated from the residual eigenvalues λⱼ (j > A),
/// through θᵢ = Σ λⱼⁱ. Both approximate the distribution of Σ λⱼ·χ²₁.
public enum SPELimitMethod: String, Sendable, Codable {
    /// Jackson & Mudholkar (1979): (Q/θ₁)^h₀ is taken as normal, h₀ = 1 − 2θ₁θ₃/(3θ₂²).
    /// Only defined for h₀ > 0: for h₀ ≤ 0 (a few large residual eigenvalues among many
    /// small ones, common when a monitor has more columns than batches) the formula
    /// decreases with the confidence level and gives nonsense (a 99 % limit below the
    /// 95 % one). For such spectra, and wherever its power base is not positive, this
    /// method returns Box's limit instead.
    case jacksonMudholkar
    /// Box (1954): SPE ≈ g·χ²_h with g = θ₂/θ₁, h = θ₁²/θ₂ (matching the mean and
    /// variance). Defined for every spectrum with θ₁ > 0 and increasing in the level; the
    /// default (docs/twin.md gives the comparison with a Monte Carlo reference).
    case box
}
