/// Ground truth of one simulated batch, on the online logging grid.
///
/// Kept separate from ``BatchRecord`` (what sensors and assays report) so tests can compare
/// a model against the truth as well as against noisy measurements.
public struct SimulatedBatch: Sendable, Equatable {
    /// Row times (h).
    public var times: [Double]
    /// True state at each row time.
    public var states: [ReactorState]
    /// True inputs over `[times[i], times[i+1])` (the last row repeats the previous one).
    public var inputs: [ReactorInputs]
    /// Whether an offline assay was taken at row i.
    public var assayed: [Bool]
    /// The recipe that was run.
    public var recipe: BatchRecipe
}
