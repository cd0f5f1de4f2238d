/// What the forward pass keeps for the adjoint: the state at every row (before resets) and,
/// when a gradient is wanted, the four RK4 stage states of every step and which states the
/// clamp zeroed. Flat arrays allocated once per trajectory, so the inner loop does not
/// allocate for bookkeeping.
struct TrajectoryTape: Sendable {
    let stateCount: Int
    let recordsStages: Bool
    /// rows × stateCount.
    var rowStates: [Double]
    /// totalSteps × 4 × stateCount: stage inputs Y₁…Y₄ of each step (empty when not recording).
    var stages: [Double]
    /// totalSteps × stateCount: true where the clamp set a state to 0 after that step.
    var clamped: [Bool]

    init(layout: TrajectoryLayout, stateCount: Int, recordsStages: Bool) {
        self.stateCount = stateCount
        self.recordsStages = recordsStages
        rowStates = [Double](repeating: 0, count: layout.rows * stateCount)
        stages = recordsStages ? [Double](repeating: 0, count: layout.totalSteps * 4 * stateCount) : []
        clamped = recordsStages ? [Bool](repeating: false, count: layout.totalSteps * stateCount) : []
    }
}
