/// The forward pass: RK4 over every row interval, observations compared at each row, then
/// the recorded resets.
extension TrajectoryFitter {
    /// Integrates the problem, fills the tape, and returns the sum of scaled squared residuals.
    func forward(_ p: Problem, _ θ: [Double], _ layout: TrajectoryLayout, _ tape: inout TrajectoryTape, batch: Int?) throws -> Double {
        let s = model.stateCount
        let records = tape.recordsStages
        var y = p.initialState
        var stage = [Double](repeating: 0, count: s)
        var sum = 0.0
        for i in 0..<layout.rows {
            if i > 0 {
                let interval = i - 1
                let n = layout.stepCounts[interval]
                let t0 = p.times[interval]
                let h = n > 0 ? (p.times[i] - t0) / Double(n) : 0
                let u = p.inputs[interval]
                for j in 0..<n {
                    let t = t0 + Double(j) * h
                    let base = (layout.stepOffsets[interval] + j) * 4 * s
                    if records { for k in 0..<s { tape.stages[base + k] = y[k] } }
                    let k1 = model.derivative(y, time: t, inputs: u, parameters: θ)
                    precondition(k1.count == s, "derivative returned \(k1.count) rates for \(s) states")
                    for k in 0..<s { stage[k] = y[k] + 0.5 * h * k1[k] }
                    if records { for k in 0..<s { tape.stages[base + s + k] = stage[k] } }
                    let k2 = model.derivative(stage, time: t + 0.5 * h, inputs: u, parameters: θ)
                    for k in 0..<s { stage[k] = y[k] + 0.5 * h * k2[k] }
                    if records { for k in 0..<s { tape.stages[base + 2 * s + k] = stage[k] } }
                    let k3 = model.derivative(stage, time: t + 0.5 * h, inputs: u, parameters: θ)
                    for k in 0..<s { stage[k] = y[k] + h * k3[k] }
                    if records { for k in 0..<s { tape.stages[base + 3 * s + k] = stage[k] } }
                    let k4 = model.derivative(stage, time: t + h, inputs: u, parameters: θ)
                    for k in 0..<s {
                        y[k] += (h / 6) * (k1[k] + 2 * k2[k] + 2 * k3[k] + k4[k])
                    }
                    // Any non-finite stage makes the sum non-finite, so checking y suffices.
                    for k in 0..<s where !y[k].isFinite {
                        throw TrajectoryFitError(batch: batch, row: i, reason: .nonFiniteState(state: k, time: t + h))
                    }
                    if clampsAtZero {
                        let maskBase = (layout.stepOffsets[interval] + j) * s
                        for k in 0..<s where y[k] < 0 {
                            y[k] = 0
                            if records { tape.clamped[maskBase + k] = true }
                        }
                    }
                }
            }
            for k in 0..<s { tape.rowStates[i * s + k] = y[k] }
            for index in layout.observationsByRow[i] {
                let o = p.observations[index]
                let r = (y[o.state] - o.value) / o.scale
                sum += r * r
            }
            for reset in layout.resets {
                if let v = reset.values[i] { y[reset.state] = v }
            }
        }
        return sum
    }
}
