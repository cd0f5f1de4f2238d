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

    public init(growth: Double = 1, saturation: Double = 1, production: Double = 1, inhibition: Double = 1,
                hydrolysis: Double = 1, maintenance: Double = 1, biomassYield: Double = 1) {
        self.growth = growth
        self.saturation = saturation
        self.production = production
        self.inhibition = inhibition
        self.hydrolysis = hydrolysis
        self.maintenance = maintenance
        self.biomassYield = biomassYield
    }

    /// Nominal strain.
    public static let nominal = KineticMultipliers()
}
