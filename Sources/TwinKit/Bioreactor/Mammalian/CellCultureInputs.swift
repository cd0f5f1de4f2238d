/// Manipulated and measured inputs acting on a cell culture over one logged interval.
///
/// Like ``ReactorInputs``, any number of feed lines collapse to a total inflow and the mass
/// inflows of the substances the balances track, so data with several feeds fits one model.
public struct CellCultureInputs: Sendable, Equatable, Codable {
    /// Total liquid inflow, all feeds (L/h).
    public var feedRate: Double
    /// Glucose mass inflow Σ Fᵢ·glc_f,ᵢ (g/h).
    public var glucoseInflow: Double
    /// Glutamine mass inflow Σ Fᵢ·gln_f,ᵢ (g/h).
    public var glutamineInflow: Double
    /// Broth removed by sampling (L/h), at the current concentrations.
    public var withdrawalRate: Double
    /// Broth temperature (°C).
    public var temperature: Double
    /// Broth pH.
    public var pH: Double
    /// Dissolved oxygen (% of air saturation). Controlled well above limitation, so the
    /// kinetics do not read it; it is logged because plants log it.
    public var dissolvedOxygen: Double

    public init(feedRate: Double, glucoseInflow: Double, glutamineInflow: Double, withdrawalRate: Double,
                temperature: Double, pH: Double, dissolvedOxygen: Double) {
        self.feedRate = feedRate
        self.glucoseInflow = glucoseInflow
        self.glutamineInflow = glutamineInflow
        self.withdrawalRate = withdrawalRate
        self.temperature = temperature
        self.pH = pH
        self.dissolvedOxygen = dissolvedOxygen
    }
}
