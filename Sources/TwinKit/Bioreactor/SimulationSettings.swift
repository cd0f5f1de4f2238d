/// How a simulated batch is run and logged (independent of strain and recipe).
public struct SimulationSettings: Sendable, Equatable, Codable {
    /// Logging interval of online variables (h); inputs are held constant over it.
    public var onlineInterval: Double = 0.1
    /// Interval between offline X/S/P assays (h). The last row is always assayed.
    public var offlineInterval: Double = 8
    /// Relative tolerance of the adaptive integrator; see docs/twin.md for the accuracy check.
    public var relativeTolerance: Double = 1e-7
    /// Absolute tolerance of the adaptive integrator (g/L, L).
    public var absoluteTolerance: Double = 1e-9
    /// Broth removed per offline sample (L).
    public var sampleVolume: Double = 0.05
    /// Standard deviation of the true temperature around its set-point (°C), AR(1).
    public var temperatureFluctuation: Double = 0.1
    /// Standard deviation of the true pH around its set-point, AR(1).
    public var pHFluctuation: Double = 0.02
    /// Relative standard deviation of the real feed around the pump set-point.
    public var feedFluctuation: Double = 0.02
    /// Correlation time of the fluctuations (h).
    public var fluctuationTime: Double = 2

    public init() {}
}

/// Lenient decoding: a profile's `logging` block lists only what it changes.
extension SimulationSettings {
    public init(from decoder: Decoder) throws {
        self.init()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        onlineInterval = try c.decodeIfPresent(Double.self, forKey: .onlineInterval) ?? onlineInterval
        offlineInterval = try c.decodeIfPresent(Double.self, forKey: .offlineInterval) ?? offlineInterval
        relativeTolerance = try c.decodeIfPresent(Double.self, forKey: .relativeTolerance) ?? relativeTolerance
        absoluteTolerance = try c.decodeIfPresent(Double.self, forKey: .absoluteTolerance) ?? absoluteTolerance
        sampleVolume = try c.decodeIfPresent(Double.self, forKey: .sampleVolume) ?? sampleVolume
        temperatureFluctuation = try c.decodeIfPresent(Double.self, forKey: .temperatureFluctuation) ?? temperatureFluctuation
        pHFluctuation = try c.decodeIfPresent(Double.self, forKey: .pHFluctuation) ?? pHFluctuation
        feedFluctuation = try c.decodeIfPresent(Double.self, forKey: .feedFluctuation) ?? feedFluctuation
        fluctuationTime = try c.decodeIfPresent(Double.self, forKey: .fluctuationTime) ?? fluctuationTime
    }
}
