/// Manipulated and measured inputs acting on the reactor over one logged interval.
///
/// Several feeds collapse to two numbers for the balances — total inflow and substrate
/// mass inflow — so data with any number of feed lines fits the same model.
public struct ReactorInputs: Sendable, Equatable, Codable {
    /// Total liquid inflow, all feeds (L/h).
    public var feedRate: Double
    /// Substrate mass inflow Σ Fᵢ·s_f,ᵢ (g/h).
    public var substrateInflow: Double
    /// Broth removed by sampling or partial discharge (L/h). Removes broth at the current
    /// concentrations, so it changes masses but not concentrations.
    public var withdrawalRate: Double
    /// Broth temperature (°C).
    public var temperature: Double
    /// Broth pH.
    public var pH: Double
    /// Logged evaporation (L/h); nil means the model's ``EvaporationModel`` decides.
    public var evaporationRate: Double?

    public init(feedRate: Double, substrateInflow: Double, withdrawalRate: Double, temperature: Double, pH: Double,
                evaporationRate: Double? = nil) {
        self.evaporationRate = evaporationRate
        self.feedRate = feedRate
        self.substrateInflow = substrateInflow
        self.withdrawalRate = withdrawalRate
        self.temperature = temperature
        self.pH = pH
    }
}
