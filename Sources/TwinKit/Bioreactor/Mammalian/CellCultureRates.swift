/// Specific (per viable cell) rates of a cell culture, in units per 10⁶ cells/mL: what a
/// hybrid twin of a mammalian process learns.
public struct CellCultureRates: Sendable, Equatable {
    /// Specific growth rate μ (1/h).
    public var growth: Double
    /// Specific death rate μ_d (1/h).
    public var death: Double
    /// Glucose uptake q_glc (g/L/h per 10⁶ cells/mL), including maintenance.
    public var glucoseUptake: Double
    /// Glutamine uptake q_gln (g/L/h per 10⁶ cells/mL), including maintenance.
    public var glutamineUptake: Double
    /// Net lactate production q_lac (g/L/h per 10⁶ cells/mL); negative after the lactate
    /// shift, when cells consume it.
    public var lactateProduction: Double
    /// Net ammonia production by cells q_amm (g/L/h per 10⁶ cells/mL).
    public var ammoniaProduction: Double
    /// Specific productivity q_p (g/L/h per 10⁶ cells/mL).
    public var productivity: Double

    public init(growth: Double, death: Double, glucoseUptake: Double, glutamineUptake: Double,
                lactateProduction: Double, ammoniaProduction: Double, productivity: Double) {
        self.growth = growth
        self.death = death
        self.glucoseUptake = glucoseUptake
        self.glutamineUptake = glutamineUptake
        self.lactateProduction = lactateProduction
        self.ammoniaProduction = ammoniaProduction
        self.productivity = productivity
    }

    /// All rates zero: no reaction (balance tests).
    public static let none = CellCultureRates(growth: 0, death: 0, glucoseUptake: 0, glutamineUptake: 0,
                                              lactateProduction: 0, ammoniaProduction: 0, productivity: 0)
}
