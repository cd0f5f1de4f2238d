/// Where a feed line's rate and substrate concentration come from.
///
/// Plants often log the pump rate but know the feed concentration from the recipe, so
/// the concentration may be a column or a fixed value in the config.
public struct FeedMapping: Sendable, Equatable, Codable {
    public var rate: ColumnRef
    /// Column holding the feed's substrate concentration, if logged.
    public var concentration: ColumnRef?
    /// Fixed substrate concentration, used when no column is given.
    public var fixedConcentration: Double?
    /// Unit of `fixedConcentration` (default g/L).
    public var fixedConcentrationUnit: String?

    public init(rate: ColumnRef, concentration: ColumnRef? = nil, fixedConcentration: Double? = nil, fixedConcentrationUnit: String? = nil) {
        self.rate = rate
        self.concentration = concentration
        self.fixedConcentration = fixedConcentration
        self.fixedConcentrationUnit = fixedConcentrationUnit
    }
}
