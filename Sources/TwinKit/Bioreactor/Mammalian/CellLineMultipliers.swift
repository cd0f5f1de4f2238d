/// A cell line's kinetics as multipliers on the literature values of
/// ``CellCultureKinetics``: the mammalian counterpart of ``KineticMultipliers``.
///
/// Every key is optional in a profile (a missing multiplier is 1), so a profile names only
/// what differs from the prior.
public struct CellLineMultipliers: Sendable, Equatable, Codable {
    /// On μ_max.
    public var growth: Double = 1
    /// On k_d.
    public var death: Double = 1
    /// On Y_X/glc.
    public var glucoseYield: Double = 1
    /// On Y_X/gln.
    public var glutamineYield: Double = 1
    /// On Y_lac/glc.
    public var lactateYield: Double = 1
    /// On Y_amm/gln.
    public var ammoniaYield: Double = 1
    /// On m_glc.
    public var glucoseMaintenance: Double = 1
    /// On q_lac,up.
    public var lactateUptake: Double = 1
    /// On q_mAb.
    public var productivity: Double = 1
    /// On KI_lac.
    public var lactateInhibition: Double = 1
    /// On KI_amm.
    public var ammoniaInhibition: Double = 1

    public init(growth: Double = 1, death: Double = 1, glucoseYield: Double = 1, glutamineYield: Double = 1,
                lactateYield: Double = 1, ammoniaYield: Double = 1, glucoseMaintenance: Double = 1,
                lactateUptake: Double = 1, productivity: Double = 1, lactateInhibition: Double = 1,
                ammoniaInhibition: Double = 1) {
        self.growth = growth
        self.death = death
        self.glucoseYield = glucoseYield
        self.glutamineYield = glutamineYield
        self.lactateYield = lactateYield
        self.ammoniaYield = ammoniaYield
        self.glucoseMaintenance = glucoseMaintenance
        self.lactateUptake = lactateUptake
        self.productivity = productivity
        self.lactateInhibition = lactateInhibition
        self.ammoniaInhibition = ammoniaInhibition
    }

    /// The literature cell line.
    public static let nominal = CellLineMultipliers()

    /// Every multiplier with its JSON name, for validation and reports.
    public var named: [(name: String, value: Double)] {
        [("growth", growth), ("death", death), ("glucoseYield", glucoseYield), ("glutamineYield", glutamineYield),
         ("lactateYield", lactateYield), ("ammoniaYield", ammoniaYield), ("glucoseMaintenance", glucoseMaintenance),
         ("lactateUptake", lactateUptake), ("productivity", productivity), ("lactateInhibition", lactateInhibition),
         ("ammoniaInhibition", ammoniaInhibition)]
    }
}

extension CellLineMultipliers {
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        growth = try c.decodeIfPresent(Double.self, forKey: .growth) ?? 1
        death = try c.decodeIfPresent(Double.self, forKey: .death) ?? 1
        glucoseYield = try c.decodeIfPresent(Double.self, forKey: .glucoseYield) ?? 1
        glutamineYield = try c.decodeIfPresent(Double.self, forKey: .glutamineYield) ?? 1
        lactateYield = try c.decodeIfPresent(Double.self, forKey: .lactateYield) ?? 1
        ammoniaYield = try c.decodeIfPresent(Double.self, forKey: .ammoniaYield) ?? 1
        glucoseMaintenance = try c.decodeIfPresent(Double.self, forKey: .glucoseMaintenance) ?? 1
        lactateUptake = try c.decodeIfPresent(Double.self, forKey: .lactateUptake) ?? 1
        productivity = try c.decodeIfPresent(Double.self, forKey: .productivity) ?? 1
        lactateInhibition = try c.decodeIfPresent(Double.self, forKey: .lactateInhibition) ?? 1
        ammoniaInhibition = try c.decodeIfPresent(Double.self, forKey: .ammoniaInhibition) ?? 1
    }
}
