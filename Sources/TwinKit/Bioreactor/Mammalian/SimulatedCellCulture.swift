/// Ground truth of one simulated cell-culture batch on the online logging grid, kept apart
/// from what instruments and assays report (as ``SimulatedBatch`` is for the microbial case).
public struct SimulatedCellCulture: Sendable, Equatable {
    /// Row times (h).
    public var times: [Double]
    /// True state at each row time.
    public var states: [CellCultureState]
    /// True inputs over `[times[i], times[i+1])` (the last row repeats the previous one's kind).
    public var inputs: [CellCultureInputs]
    /// Whether an offline sample was taken at row i.
    public var assayed: [Bool]
    public var recipe: CellCultureRecipe
}
