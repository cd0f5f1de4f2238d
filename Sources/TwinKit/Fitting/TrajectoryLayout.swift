/// The checked shape of one ``TrajectoryProblem`` for a given step limit: how many RK4
/// steps each row interval takes, where its steps sit on the adjoint tape, which
/// observations and resets fall on each row.
///
/// Building it is the validation: a problem that cannot be integrated (counts that do not
/// match, times going backwards, a non-positive scale) is refused here with the batch and
/// row, before any integration starts.
struct TrajectoryLayout: Sendable {
    /// A recorded state and its value at each row (nil = not recorded there).
    struct Reset: Sendable {
        var state: Int
        var values: [Double?]
    }

    var rows: Int
    /// RK4 steps of each row interval (0 for a zero-length interval).
    var stepCounts: [Int]
    /// Index of each interval's first step in the whole trajectory.
    var stepOffsets: [Int]
    var totalSteps: Int
    /// Indices into `observations`, by row.
    var observationsByRow: [[Int]]
    /// Recorded states in increasing state order.
    var resets: [Reset]

    init<Inputs>(problem p: TrajectoryProblem<Inputs>, stateCount s: Int, parameters θ: [Double], expectedParameterCount: Int,
                 maxStep: Double, batch: Int?) throws {
        func invalid(_ what: String, row: Int? = nil) -> TrajectoryFitError {
            TrajectoryFitError(batch: batch, row: row, reason: .invalidProblem(what))
        }
        guard θ.count == expectedParameterCount else {
            throw TrajectoryFitError(batch: batch, row: nil, reason: .parameterCount(expected: expectedParameterCount, got: θ.count))
        }
        if let bad = θ.firstIndex(where: { !$0.isFinite }) {
            throw TrajectoryFitError(batch: batch, row: nil, reason: .nonFiniteParameter(index: bad))
        }
        let rows = p.times.count
        guard rows >= 1 else { throw invalid("no rows") }
        guard p.inputs.count == rows - 1 else {
            throw invalid("\(p.inputs.count) input intervals for \(rows) rows (expected \(rows - 1))")
        }
        guard p.initialState.count == s else {
            throw invalid("initial state has \(p.initialState.count) entries, the model has \(s) states")
        }
        if let k = p.initialState.firstIndex(where: { !$0.isFinite }) {
            throw invalid("initial state \(k) is not finite", row: 0)
        }
        var stepCounts: [Int] = []
        var stepOffsets: [Int] = []
        stepCounts.reserveCapacity(rows - 1)
        stepOffsets.reserveCapacity(rows - 1)
        var total = 0
        for i in 0..<rows {
            guard p.times[i].isFinite else { throw invalid("time is not finite", row: i) }
            guard i > 0 else { continue }
            let span = p.times[i] - p.times[i - 1]
            guard span >= 0 else { throw invalid("time \(p.times[i]) h is before the previous row's \(p.times[i - 1]) h", row: i) }
            let n = span > 0 ? max(1, Int((span / maxStep).rounded(.up))) : 0
            stepOffsets.append(total)
            stepCounts.append(n)
            total += n
        }
        var byRow = [[Int]](repeating: [], count: rows)
        for (index, o) in p.observations.enumerated() {
            guard o.row >= 0 && o.row < rows else { throw invalid("observation \(index) is at row \(o.row) of \(rows)") }
            guard o.state >= 0 && o.state < s else { throw invalid("observation \(index) is of state \(o.state) of \(s)", row: o.row) }
            guard o.value.isFinite else { throw invalid("observation \(index) has a non-finite value", row: o.row) }
            guard o.scale > 0 && o.scale.isFinite else {
                throw invalid("observation \(index) has scale \(o.scale); it must be positive and finite", row: o.row)
            }
            byRow[o.row].append(index)
        }
        var resets: [Reset] = []
        for (state, values) in p.recorded.sorted(by: { $0.key < $1.key }) {
            guard state >= 0 && state < s else { throw invalid("recorded state \(state) of \(s)") }
            guard values.count == rows else { throw invalid("recorded state \(state) has \(values.count) values for \(rows) rows") }
            if let i = values.firstIndex(where: { $0.map { !$0.isFinite } ?? false }) {
                throw invalid("recorded state \(state) is not finite", row: i)
            }
            resets.append(Reset(state: state, values: values))
        }
        self.rows = rows
        self.stepCounts = stepCounts
        self.stepOffsets = stepOffsets
        self.totalSteps = total
        self.observationsByRow = byRow
        self.resets = resets
    }
}
