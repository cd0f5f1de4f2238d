import Foundation

/// Penicillin fed-batch kinetics after Bajpai & Reuss (1980) as used in PenSim
/// (Birol, Ündey & Çınar 2002), without the oxygen and CO₂/heat sub-models.
///
/// - Growth (Contois) with pH and Arrhenius temperature terms:
///   μ = μ_x · S/(K_x·X + S) · 1/(1 + K₁/[H⁺] + [H⁺]/K₂) · (k_g e^{−E_g/RT} − k_d e^{−E_d/RT})
/// - Production with substrate inhibition: π = μ_p · S/(K_p + S + S²/K_I)
/// - Uptake with maintenance: σ = μ/Y_x/s + π/Y_p/s + m_x · S/(K_m + S)
///
/// The maintenance term is switched off smoothly as S → 0 (K_m, a small constant): in
/// PenSim it is constant, which drives S negative in starved fed-batch phases. Temperatures
/// are in °C at the interface and converted to K inside.
public struct PenicillinKinetics: Sendable, Equatable, Codable {
    public var maxGrowth = 0.092          // μ_x (1/h)
    public var contoisSaturation = 0.15   // K_x (g S / g X)
    public var growthPreExponential = 7.0e3   // k_g
    public var growthActivation = 5_100.0     // E_g (cal/mol)
    public var deathPreExponential = 1.0e33   // k_d
    public var deathActivation = 50_000.0     // E_d (cal/mol)
    public var pHConstant1 = 1.0e-10      // K₁ (mol/L)
    public var pHConstant2 = 7.0e-5       // K₂ (mol/L)
    public var maxProduction = 0.005      // μ_p (g P / g X / h)
    public var productionSaturation = 0.0002  // K_p (g/L)
    public var productionInhibition = 0.1     // K_I (g/L)
    public var hydrolysis = 0.04          // K (1/h)
    public var biomassYield = 0.45        // Y_x/s (g X / g S)
    public var productYield = 0.90        // Y_p/s (g P / g S)
    public var maintenance = 0.014        // m_x (g S / g X / h)
    public var maintenanceSaturation = 0.01   // K_m (g/L), TwinKit addition, see above

    /// Gas constant in cal/(mol·K), matching the activation energies.
    public static let gasConstant = 1.987

    public init() {}

    /// Literature values (Birol et al. 2002, Table 1).
    public static let nominal = PenicillinKinetics()

    /// These kinetics with strain multipliers applied.
    public func applying(_ m: KineticMultipliers) -> PenicillinKinetics {
        var k = self
        k.maxGrowth *= m.growth
        k.contoisSaturation *= m.saturation
        k.maxProduction *= m.production
        k.productionInhibition *= m.inhibition
        k.hydrolysis *= m.hydrolysis
        k.maintenance *= m.maintenance
        k.biomassYield *= m.biomassYield
        k.productYield *= m.productYield
        return k
    }

    /// Temperature factor (k_g e^{−E_g/RT} − k_d e^{−E_d/RT}), ≈1.27 at 25 °C.
    public func temperatureFactor(celsius: Double) -> Double {
        let t = celsius + 273.15
        let r = Self.gasConstant
        return growthPreExponential * Foundation.exp(-growthActivation / (r * t))
            - deathPreExponential * Foundation.exp(-deathActivation / (r * t))
    }

    /// pH factor 1/(1 + K₁/[H⁺] + [H⁺]/K₂), ≈0.87 at pH 5.
    public func pHFactor(_ pH: Double) -> Double {
        let h = Foundation.pow(10, -pH)
        return 1 / (1 + pHConstant1 / h + h / pHConstant2)
    }

    /// Specific rates at a state under given conditions.
    public func rates(biomass x: Double, substrate sRaw: Double, temperature: Double, pH: Double) -> SpecificRates {
        let s = max(sRaw, 0)
        let xPos = max(x, 0)
        let contois = s > 0 ? s / (contoisSaturation * xPos + s) : 0
        let mu = maxGrowth * contois * pHFactor(pH) * temperatureFactor(celsius: temperature)
        let pi = s > 0 ? maxProduction * s / (productionSaturation + s + s * s / productionInhibition) : 0
        let sigma = mu / biomassYield + pi / productYield + maintenance * s / (maintenanceSaturation + s)
        return SpecificRates(growth: mu, uptake: sigma, production: pi)
    }
}
