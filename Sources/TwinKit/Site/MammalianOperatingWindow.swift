/// The corner of the operating space a mammalian site explores; each batch's recipe is
/// drawn from it.
public struct MammalianOperatingWindow: Sendable, Equatable, Codable {
    /// Batch length (h).
    public var duration: Double
    /// Temperature set-point (°C).
    public var temperature: ValueRange
    /// pH set-point.
    public var pH: ValueRange
    /// Dissolved-oxygen set-point (% air saturation).
    public var dissolvedOxygen: ValueRange
    /// Feed start (h).
    public var feedStart: ValueRange
    /// Feed rate at start (L/h).
    public var feedRate: ValueRange
    /// Feed ramp after start (L/h per h).
    public var feedRamp: ValueRange
    /// Glucose and glutamine concentrations of the feed (g/L).
    public var feedGlucose: ValueRange
    public var feedGlutamine: ValueRange
    /// Inoculum viable cell density (10⁶ cells/mL).
    public var initialCells: ValueRange
    /// Initial medium concentrations (g/L).
    public var initialGlucose: ValueRange
    public var initialGlutamine: ValueRange
    public var initialLactate: ValueRange
    public var initialAmmonia: ValueRange
    /// Initial volume (L).
    public var initialVolume: ValueRange

    public init(duration: Double, temperature: ValueRange, pH: ValueRange, dissolvedOxygen: ValueRange = ValueRange(40, 40),
                feedStart: ValueRange, feedRate: ValueRange, feedRamp: ValueRange = ValueRange(0, 0),
                feedGlucose: ValueRange, feedGlutamine: ValueRange, initialCells: ValueRange,
                initialGlucose: ValueRange, initialGlutamine: ValueRange, initialLactate: ValueRange = ValueRange(0, 0),
                initialAmmonia: ValueRange = ValueRange(0, 0), initialVolume: ValueRange) {
        self.duration = duration
        self.temperature = temperature
        self.pH = pH
        self.dissolvedOxygen = dissolvedOxygen
        self.feedStart = feedStart
        self.feedRate = feedRate
        self.feedRamp = feedRamp
        self.feedGlucose = feedGlucose
        self.feedGlutamine = feedGlutamine
        self.initialCells = initialCells
        self.initialGlucose = initialGlucose
        self.initialGlutamine = initialGlutamine
        self.initialLactate = initialLactate
        self.initialAmmonia = initialAmmonia
        self.initialVolume = initialVolume
    }
}
