/// The corner of the operating space a site explores; each batch's recipe is drawn from it.
public struct OperatingWindow: Sendable, Equatable, Codable {
    /// Batch length (h).
    public var duration: Double
    /// Temperature set-point (°C).
    public var temperature: ValueRange
    /// pH set-point.
    public var pH: ValueRange
    /// Feed start (h).
    public var feedStart: ValueRange
    /// Initial feed rate (L/h).
    public var feedRate: ValueRange
    /// Feed ramp after start (L/h per h).
    public var feedRamp: ValueRange
    /// Feed substrate concentration (g/L).
    public var feedConcentration: ValueRange
    /// Inoculum biomass (g/L).
    public var initialBiomass: ValueRange
    /// Initial substrate (g/L).
    public var initialSubstrate: ValueRange
    /// Initial volume (L).
    public var initialVolume: ValueRange

    public init(duration: Double, temperature: ValueRange, pH: ValueRange, feedStart: ValueRange, feedRate: ValueRange,
                feedRamp: ValueRange = ValueRange(0, 0), feedConcentration: ValueRange = ValueRange(600, 600),
                initialBiomass: ValueRange = ValueRange(0.1, 0.1), initialSubstrate: ValueRange = ValueRange(15, 15),
                initialVolume: ValueRange = ValueRange(100, 100)) {
        self.duration = duration
        self.temperature = temperature
        self.pH = pH
        self.feedStart = feedStart
        self.feedRate = feedRate
        self.feedRamp = feedRamp
        self.feedConcentration = feedConcentration
        self.initialBiomass = initialBiomass
        self.initialSubstrate = initialSubstrate
        self.initialVolume = initialVolume
    }
}
