import Foundation

/// CHO-type fed-batch kinetics in the form of Xing et al. (2010), "Modeling kinetics of a
/// large-scale fed-batch CHO cell culture by Markov chain Monte Carlo method", Biotechnol.
/// Prog. 26:208–219, with the parameter values tabulated from it by Möller et al. (2018),
/// Bioengineering 5(1):25, Table 2 (μ_max, k_d, K_glc, Y_X/glc, Y_lac/glc and q_mAb there are
/// from their own data, the rest from Xing et al.):
///
///     μ     = μ_max · f_T · f_pH · GLC/(K_glc+GLC) · GLN/(K_gln+GLN) · KI_lac/(KI_lac+LAC) · KI_amm/(KI_amm+AMM)
///     μ_d   = k_d · LAC/(KD_lac+LAC) · AMM/(KD_amm+AMM)
///     q_glc = μ/Y_X/glc + m_glc · g_T · GLC/(K_glc+GLC)
///     q_gln = μ/Y_X/gln + a₁ · g_T · GLN/(a₂+GLN)
///     q_lac = Y_lac/glc · h_pH · q_glc − q_lac,up · g_T · LAC/(K_lac,up+LAC)
///     q_amm = Y_amm/gln · q_gln − r_amm · AMM/(K_amm,r+AMM)
///     q_p   = q_mAb · (1 + θ_p · max(0, T_ref − T))
///
/// and glutamine decomposing in the medium to ammonia, first order (k_deg ≈ 0.1 d⁻¹ at
/// 37 °C, Ozturk & Palsson 1990, Biotechnol. Prog. 6:121–128), in ``CellCultureBalance``.
///
/// TwinKit additions, each marked where it is defined: the glucose maintenance and
/// ammonia removal are switched off smoothly as the concentration goes to zero (constant
/// terms drive it negative in a starved culture); lactate consumption (the "lactate shift")
/// is a saturating uptake that wins once growth, and with it glucose uptake, slows; the
/// temperature and pH factors f_T, g_T, f_pH, h_pH and θ_p are TwinKit's shapes for effects
/// the literature reports in direction and rough size: mild hypothermia slows growth and
/// metabolism and raises specific productivity (Yoon, Song & Lee 2003, Biotechnol. Bioeng.
/// 82:289–298), growth has an optimum near pH 7.0 and lactate production rises with pH
/// (Trummer et al. 2006, Biotechnol. Bioeng. 94:1033–1044).
///
/// Units: viable cells 10⁶ cells/mL (= 10⁹ cells/L), concentrations g/L, time h. A
/// per-cell rate r in mmol/cell/h of a substance of molar mass M is r·10⁶·M in g/L/h per
/// 10⁶ cells/mL; a yield Y in 10⁹ cells/mmol is Y·1000/M in (10⁶ cells/mL)/(g/L).
public struct CellCultureKinetics: Sendable, Equatable, Codable {
    /// Molar masses (g/mol) used to convert the literature's mM values.
    public static let glucoseMolarMass = 180.16
    public static let glutamineMolarMass = 146.14
    public static let lactateMolarMass = 90.08
    public static let ammoniaMolarMass = 17.031

    public var maxGrowth = 0.039                                   // μ_max (1/h)
    public var maxDeath = 0.004                                    // k_d (1/h)
    public var glucoseSaturation = 1.00e-3 * glucoseMolarMass      // K_glc 1.00 mM (g/L)
    public var glutamineSaturation = 0.047e-3 * glutamineMolarMass // K_gln 0.047 mM
    public var lactateInhibition = 43.0e-3 * lactateMolarMass      // KI_lac 43 mM
    public var ammoniaInhibition = 6.51e-3 * ammoniaMolarMass      // KI_amm 6.51 mM
    public var lactateDeath = 45.8e-3 * lactateMolarMass           // KD_lac 45.8 mM
    public var ammoniaDeath = 6.51e-3 * ammoniaMolarMass           // KD_amm 6.51 mM
    public var glucoseYield = 0.357 * 1000 / glucoseMolarMass      // Y_X/glc 0.357e9 cells/mmol
    public var glutamineYield = 0.974 * 1000 / glutamineMolarMass  // Y_X/gln 0.974e9 cells/mmol
    public var lactateYield = 0.70 * lactateMolarMass / glucoseMolarMass   // Y_lac/glc 0.70 mol/mol (g/g)
    public var ammoniaYield = 0.67 * ammoniaMolarMass / glutamineMolarMass // Y_amm/gln 0.67 mol/mol (g/g)
    public var glucoseMaintenance = 69.2e-12 * 1e6 * glucoseMolarMass      // m_glc 69.2e-12 mmol/cell/h
    public var glutamineMaintenance = 3.2e-12 * 1e6 * glutamineMolarMass   // a₁ 3.2e-12 mmol/cell/h
    public var glutamineMaintenanceSaturation = 2.1e-3 * glutamineMolarMass // a₂ 2.1 mM
    public var ammoniaRemoval = 6.3e-12 * 1e6 * ammoniaMolarMass   // r_amm 6.3e-12 mmol/cell/h
    public var productivity = 1.51e-12 * 1e9                       // q_mAb 1.51e-12 g/cell/h
    /// Glutamine decomposition in the medium k_deg (1/h) at 37 °C.
    public var glutamineDecomposition = 0.0042
    /// TwinKit addition: maximum lactate uptake q_lac,up (≈ 0.09 pmol/cell/h) and its
    /// saturation K_lac,up (g/L).
    public var lactateUptake = 0.008
    public var lactateUptakeSaturation = 1.0
    /// TwinKit addition: K_amm,r (g/L), switching ammonia removal off at zero.
    public var ammoniaRemovalSaturation = 0.01
    /// TwinKit shapes: growth optimum T_ref (°C) with Gaussian width σ_T (°C), metabolic Q10
    /// of g_T, hypothermic productivity gain θ_p (per °C below T_ref), growth pH optimum and
    /// width, and the slope of h_pH = exp(s·(pH − pH_opt)).
    public var referenceTemperature = 37.0
    public var growthTemperatureWidth = 6.0
    public var metabolicQ10 = 2.0
    public var hypothermicProductivity = 0.1
    public var optimalPH = 7.0
    public var growthPHWidth = 0.4
    public var lactatePHSlope = 1.0

    public init() {}

    /// The literature values above.
    public static let nominal = CellCultureKinetics()

    /// These kinetics with a cell line's multipliers applied.
    public func applying(_ m: CellLineMultipliers) -> CellCultureKinetics {
        var k = self
        k.maxGrowth *= m.growth
        k.maxDeath *= m.death
        k.glucoseYield *= m.glucoseYield
        k.glutamineYield *= m.glutamineYield
        k.lactateYield *= m.lactateYield
        k.ammoniaYield *= m.ammoniaYield
        k.glucoseMaintenance *= m.glucoseMaintenance
        k.lactateUptake *= m.lactateUptake
        k.productivity *= m.productivity
        k.lactateInhibition *= m.lactateInhibition
        k.ammoniaInhibition *= m.ammoniaInhibition
        return k
    }

    /// f_T: growth's temperature factor, 1 at T_ref, ≈ 0.5 five degrees away.
    public func growthTemperatureFactor(_ celsius: Double) -> Double {
        let z = (celsius - referenceTemperature) / growthTemperatureWidth
        return Foundation.exp(-z * z)
    }

    /// g_T: metabolic (maintenance, lactate uptake) temperature factor, Q10 law around T_ref.
    public func metabolicTemperatureFactor(_ celsius: Double) -> Double {
        Foundation.pow(metabolicQ10, (celsius - referenceTemperature) / 10)
    }

    /// f_pH: growth's pH factor, 1 at the optimum.
    public func growthPHFactor(_ pH: Double) -> Double {
        let z = (pH - optimalPH) / growthPHWidth
        return Foundation.exp(-z * z)
    }

    /// Specific rates at a state under given conditions (negative concentrations read as 0).
    public func rates(_ s: CellCultureState, temperature: Double, pH: Double) -> CellCultureRates {
        let glc = max(s.glucose, 0), gln = max(s.glutamine, 0)
        let lac = max(s.lactate, 0), amm = max(s.ammonia, 0)
        let gT = metabolicTemperatureFactor(temperature)
        let glcLimit = glc / (glucoseSaturation + glc)
        let mu = maxGrowth * growthTemperatureFactor(temperature) * growthPHFactor(pH)
            * glcLimit * gln / (glutamineSaturation + gln)
            * lactateInhibition / (lactateInhibition + lac) * ammoniaInhibition / (ammoniaInhibition + amm)
        let death = maxDeath * lac / (lactateDeath + lac) * amm / (ammoniaDeath + amm)
        let qGlc = mu / glucoseYield + glucoseMaintenance * gT * glcLimit
        let qGln = mu / glutamineYield + glutamineMaintenance * gT * gln / (glutamineMaintenanceSaturation + gln)
        let qLac = lactateYield * Foundation.exp(lactatePHSlope * (pH - optimalPH)) * qGlc
            - lactateUptake * gT * lac / (lactateUptakeSaturation + lac)
        let qAmm = ammoniaYield * qGln - ammoniaRemoval * amm / (ammoniaRemovalSaturation + amm)
        let qP = productivity * (1 + hypothermicProductivity * max(0, referenceTemperature - temperature))
        return CellCultureRates(growth: mu, death: death, glucoseUptake: qGlc, glutamineUptake: qGln,
                                lactateProduction: qLac, ammoniaProduction: qAmm, productivity: qP)
    }
}
