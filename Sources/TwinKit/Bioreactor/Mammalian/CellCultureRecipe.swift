/// Operating recipe of one simulated cell-culture batch: what the plant intended to do.
public struct CellCultureRecipe: Sendable, Equatable, Codable {
    /// Batch length (h).
    public var duration: Double
    /// State at inoculation.
    public var initialState: CellCultureState
    /// Temperature set-point (°C).
    public var temperature: Double
    /// pH set-point.
    public var pH: Double
    /// Dissolved-oxygen set-point (% air saturation).
    public var dissolvedOxygen: Double
    /// Time the feed is switched on (h).
    public var feedStart: Double
    /// Feed rate at `feedStart` (L/h).
    public var feedRate: Double
    /// Linear feed ramp after start (L/h per h).
    public var feedRamp: Double
    /// Glucose concentration of the feed (g/L).
    public var feedGlucose: Double
    /// Glutamine concentration of the feed (g/L).
    public var feedGlutamine: Double

    public init(duration: Double, initialState: CellCultureState, temperature: Double, pH: Double, dissolvedOxygen: Double,
                feedStart: Double, feedRate: Double, feedRamp: Double, feedGlucose: Double, feedGlutamine: Double) {
        self.duration = duration
        self.initialState = initialState
        self.temperature = temperature
        self.pH = pH
        self.dissolvedOxygen = dissolvedOxygen
        self.feedStart = feedStart
        self.feedRate = feedRate
        self.feedRamp = feedRamp
        self.feedGlucose = feedGlucose
        self.feedGlutamine = feedGlutamine
    }

    /// Feed rate the recipe asks for at time `t` (L/h).
    public func feed(at t: Double) -> Double {
        t < feedStart ? 0 : max(0, feedRate + feedRamp * (t - feedStart))
    }
}
