/// What the data say about one interval between two consecutive offline assays.
///
/// Holds both the specific rates implied by the mass balances (for the hybrid) and plain
/// finite-difference derivatives (for the network-only baseline), with the conditions the
/// interval ran under, so both models learn from exactly the same evidence.
public struct IntervalSample: Sendable, Equatable {
    /// Interval start and end (h).
    public var start: Double
    public var end: Double
    /// State at the interval midpoint (interpolated from the two assays).
    public var biomass: Double
    public var substrate: Double
    public var product: Double
    /// Mean volume (L) over the interval.
    public var volume: Double
    /// Mean logged temperature (°C) and pH over the interval.
    public var temperature: Double
    public var pH: Double
    /// Mean total feed (L/h) and substrate inflow (g/h) over the interval.
    public var feedRate: Double
    public var substrateInflow: Double
    /// Interval-average specific rates from the integral mass balances; nil where an end
    /// assay is missing.
    public var growth: Double?
    public var uptake: Double?
    public var production: Double?
    /// Finite-difference concentration derivatives (g/L/h); nil where an end assay is missing.
    public var biomassSlope: Double?
    public var substrateSlope: Double?
    public var productSlope: Double?
}
