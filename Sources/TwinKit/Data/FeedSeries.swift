/// One feed line of a batch: flow rate and the substrate concentration it carries.
public struct FeedSeries: Sendable, Equatable {
    /// Flow (L/h) per row; nil where not logged.
    public var rate: [Double?]
    /// Substrate concentration of the feed (g/L) per row; nil where not logged.
    public var concentration: [Double?]
    /// Concentrations (g/L) of other substances the feed carries, by name.
    public var substances: [String: [Double?]] = [:]
    /// False for additions whose volume is negligible or logged elsewhere: the flow then
    /// counts in the substance balances only.
    public var addsVolume = true

    public init(rate: [Double?], concentration: [Double?]) {
        self.rate = rate
        self.concentration = concentration
    }
}
