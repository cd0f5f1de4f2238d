/// Strain-specific multipliers on nominal kinetics.
///
/// Sites run different strains or cell lines; expressing them as multipliers on one
/// literature parameter set keeps profiles short, editable and comparable.
public struct KineticMultipliers: Sendable, Equatable, Codable {
    /// On the maximum specific growth rate μ_x.
    public var growth: Double = 1
    /// On the Contois saturation constant K_x.
    public var saturation: Double = 1
    /// On the maximum specific production rate μ_p.
    public var production: Double = 1
    /// On the substrate inhibition constant K_I of production.
    public var inhibition: Double = 1
    /// On the product hydrolysis constant K.
    public var hydrolysis: Double = 1
    /// On the maintenance coefficient m_x.
    public var maintenance: Double = 1
    /// On the biomass yield Y_x/s.
    public var biomassYield: Double = 1
    /// On the product yield Y_p/s (issue 12: a strain's yields differ from the prior too).
    public var productYield: Double = 1

    public init(growth: Double = 1, saturation: Double = 1, production: Double = 1, inhibition: Double = 1,
                hydrolysis: Double = 1, maintenance: Double = 1, biomassYield: Double = 1, productYield: Double = 1) {
        self.growth = growth
        self.saturation = saturation
        self.production = production
        self.inhibition = inhibition
        self.hydrolysis = hydrolysis
        self.maintenance = maintenance
        self.biomassYield = biomassYield
        self.productYield = productYield
    }

    /// Nominal strain.
    public static let nominal = KineticMultipliers()

    /// Every multiplier with its JSON name, for validation and reports.
    public var named: [(name: String, value: Double)] {
        [("growth", growth), ("saturation", saturation), ("production", production), ("inhibition", inhibition),
         ("hydrolysis", hydrolysis), ("maintenance", maintenance), ("biomassYield", biomassYield), ("productYield", productYield)]
    }
}

/// Lenient decoding: a profile's `strain` lists only the multipliers it changes, so a
/// profile written before a knob existed (e.g. `productYield`) reads with that knob at 1.
extension KineticMultipliers {
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        growth = try c.decodeIfPresent(Double.self, forKey: .growth) ?? 1
        saturation = try c.decodeIfPresent(Double.self, forKey: .saturation) ?? 1
        production = try c.decodeIfPresent(Double.self, forKey: .production) ?? 1
        inhibition = try c.decodeIfPresent(Double.self, forKey: .inhibition) ?? 1
        hydrolysis = try c.decodeIfPresent(Double.self, forKey: .hydrolysis) ?? 1
        maintenance = try c.decodeIfPresent(Double.self, forKey: .maintenance) ?? 1
        biomassYield = try c.decodeIfPresent(Double.self, forKey: .biomassYield) ?? 1
        productYield = try c.decodeIfPresent(Double.self, forKey: .productYield) ?? 1
    }
}
