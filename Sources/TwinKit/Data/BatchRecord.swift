/// One batch's time series in canonical units, as read from CSV or produced by the simulator.
///
/// Every series has one entry per row; `nil` means "not measured at this time" (offline
/// assays are sparse, online loggers may drop out). Canonical units: time h,
/// concentrations g/L, volume L, flows L/h, temperature °C, dissolved oxygen % saturation.
/// This type never leaves a site: the transport only accepts parameters and metrics.
public struct BatchRecord: Sendable, Equatable {
    public var batchID: String
    /// Row times (h), non-decreasing.
    public var time: [Double]
    /// Biomass X (g/L).
    public var biomass: [Double?]
    /// Substrate S (g/L).
    public var substrate: [Double?]
    /// Product titre P (g/L).
    public var product: [Double?]
    /// Broth volume V (L).
    public var volume: [Double?]
    /// Temperature (°C).
    public var temperature: [Double?]
    /// pH.
    public var pH: [Double?]
    /// Dissolved oxygen (% of saturation).
    public var dissolvedOxygen: [Double?]
    /// Feed lines.
    public var feeds: [FeedSeries]
    /// Withdrawal lines (sampling, partial discharge), L/h.
    public var withdrawals: [[Double?]]

    /// An empty-but-sized record: all measured series are nil, no feeds or withdrawals.
    public init(batchID: String, time: [Double]) {
        let none = [Double?](repeating: nil, count: time.count)
        self.batchID = batchID
        self.time = time
        biomass = none
        substrate = none
        product = none
        volume = none
        temperature = none
        pH = none
        dissolvedOxygen = none
        feeds = []
        withdrawals = []
    }

    /// Number of rows.
    public var rowCount: Int { time.count }

    /// Batch length from first to last row (h).
    public var duration: Double { (time.last ?? 0) - (time.first ?? 0) }
}
