/// What a ``SpecModel`` reads from a batch record over one row interval (zero-order hold).
///
/// Flows collapse to a few numbers for the balances whatever the number of feed lines: the
/// volume-adding inflow, the withdrawal, the logged evaporation and, per state, the mass
/// inflow Σ Fᵢ·cᵢ of every feed carrying that substance (volume-free additions included).
public struct SpecInputs: Sendable, Equatable {
    /// Total inflow of feeds that add volume (L/h).
    public var volumeFeed: Double
    /// Broth removed at broth concentrations (L/h).
    public var withdrawal: Double
    /// Logged evaporation (L/h); nil where the record does not log it.
    public var evaporation: Double?
    /// Mass inflow (g/h, or the state's unit × L/h) per state, in the model's state order
    /// (0 for the volume and for substances no feed carries).
    public var inflow: [Double]
    /// Values of the model's ``SpecModel/recordedNames``, in that order.
    public var recorded: [Double]

    public init(volumeFeed: Double, withdrawal: Double, evaporation: Double? = nil, inflow: [Double], recorded: [Double]) {
        self.volumeFeed = volumeFeed
        self.withdrawal = withdrawal
        self.evaporation = evaporation
        self.inflow = inflow
        self.recorded = recorded
    }
}
