/// One batch as trajectory fitting sees it: the row grid, the inputs over each row
/// interval, the start state, the sparse observations and any recorded states.
public struct TrajectoryProblem<Inputs: Sendable>: Sendable {
    /// A measured value of one state at one row, with the scale its residual is divided by.
    public struct Observation: Sendable, Equatable {
        public var row: Int
        public var state: Int
        public var value: Double
        /// Residual divisor (noise or spread of the variable); weight folded in.
        public var scale: Double

        public init(row: Int, state: Int, value: Double, scale: Double) {
            self.row = row
            self.state = state
            self.value = value
            self.scale = scale
        }
    }

    /// Row times (h), increasing.
    public var times: [Double]
    /// Inputs over [times[i], times[i+1]]; `times.count - 1` entries.
    public var inputs: [Inputs]
    public var initialState: [Double]
    public var observations: [Observation]
    /// Recorded states: after integrating to row i, state k is set to `recorded[k][i]`
    /// where it is non-nil (e.g. a logged volume that is a recorded input). The gradient
    /// does not flow through a recorded value.
    public var recorded: [Int: [Double?]]

    public init(times: [Double], inputs: [Inputs], initialState: [Double], observations: [Observation], recorded: [Int: [Double?]] = [:]) {
        self.times = times
        self.inputs = inputs
        self.initialState = initialState
        self.observations = observations
        self.recorded = recorded
    }
}
