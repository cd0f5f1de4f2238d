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
    /// Named variables beyond the ones above (`glucose`, `lactate`, …), in canonical units
    /// of their kind; see ``VariableSpec``.
    public var variables: [String: [Double?]] = [:]
    /// Logged evaporation (L/h), when the plant logs it; nil means the models' own law.
    public var evaporation: [Double?]? = nil
    /// The logged volume is a recorded input: open-loop evaluation follows it.
    public var volumeIsRecordedInput = false

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

    /// The series of a variable by name: the built-in ones (`biomass`, `substrate`,
    /// `product` or `titre`, `volume`, `temperature`, `pH`, `dissolved_oxygen`) or a
    /// named one; nil when the record has no such variable.
    public func series(named name: String) -> [Double?]? {
        if let path = Self.builtIn(name) { return self[keyPath: path] }
        return variables[name]
    }

    /// Built-in variable names and where they live; `titre` is another name for the product.
    public static func builtIn(_ name: String) -> WritableKeyPath<BatchRecord, [Double?]>? {
        switch name {
        case "biomass": return \.biomass
        case "substrate": return \.substrate
        case "product", "titre": return \.product
        case "volume": return \.volume
        case "temperature": return \.temperature
        case "pH": return \.pH
        case "dissolved_oxygen": return \.dissolvedOxygen
        default: return nil
        }
    }

    /// Number of rows.
    public var rowCount: Int { time.count }

    /// Batch length from first to last row (h).
    public var duration: Double { (time.last ?? 0) - (time.first ?? 0) }
}
