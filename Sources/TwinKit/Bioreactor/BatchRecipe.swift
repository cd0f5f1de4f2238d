/// Operating recipe of one simulated batch: what the plant intended to do.
public struct BatchRecipe: Sendable, Equatable, Codable {
    /// Batch length (h).
    public var duration: Double
    /// State at inoculation.
    public var initialState: ReactorState
    /// Temperature set-point (°C).
    public var temperature: Double
    /// pH set-point.
    public var pH: Double
    /// Time the substrate feed is switched on (h); before it the batch phase consumes the
    /// initial substrate.
    public var feedStart: Double
    /// Feed rate at `feedStart` (L/h).
    public var feedRate: Double
    /// Linear feed ramp after start (L/h per h); 0 for a constant feed.
    public var feedRamp: Double
    /// Substrate concentration of the feed s_f (g/L).
    public var feedConcentration: Double

    public init(duration: Double, initialState: ReactorState, temperature: Double, pH: Double,
                feedStart: Double, feedRate: Double, feedRamp: Double = 0, feedConcentration: Double = 600) {
        self.duration = duration
        self.initialState = initialState
        self.temperature = temperature
        self.pH = pH
        self.feedStart = feedStart
        self.feedRate = feedRate
        self.feedRamp = feedRamp
        self.feedConcentration = feedConcentration
    }

    /// Feed rate the recipe asks for at time `t` (L/h).
    public func feed(at t: Double) -> Double {
        t < feedStart ? 0 : max(0, feedRate + feedRamp * (t - feedStart))
    }
}
