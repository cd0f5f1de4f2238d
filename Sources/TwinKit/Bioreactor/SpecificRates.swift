/// Specific (per unit biomass) rates: the part of the model a hybrid twin learns.
public struct SpecificRates: Sendable, Equatable {
    /// Specific growth rate μ (1/h).
    public var growth: Double
    /// Specific substrate uptake σ (g S / g X / h), including maintenance.
    public var uptake: Double
    /// Specific production rate π (g P / g X / h).
    public var production: Double

    public init(growth: Double, uptake: Double, production: Double) {
        self.growth = growth
        self.uptake = uptake
        self.production = production
    }
}
