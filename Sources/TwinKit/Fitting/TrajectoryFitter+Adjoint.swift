/// The discrete adjoint: the forward pass reversed step by step, RK4 stage by stage, with
/// the model's pullback. It differentiates exactly what ``forward(_:_:_:_:batch:)``
/// computed (resets cut the gradient, the clamp passes none through a zeroed state).
///
/// One RK4 step, y' = y + h/6 (k₁ + 2k₂ + 2k₃ + k₄) with kᵢ = f(Yᵢ), Y₁ = y,
/// Y₂ = y + h/2 k₁, Y₃ = y + h/2 k₂, Y₄ = y + h k₃, reverses for a cotangent λ of y' as
///   k̄₄ = h/6 λ;            Ȳ₄ = k̄₄ᵀ∂f/∂y at Y₄
///   k̄₃ = h/3 λ + h Ȳ₄;     Ȳ₃ = k̄₃ᵀ∂f/∂y at Y₃
///   k̄₂ = h/3 λ + h/2 Ȳ₃;   Ȳ₂ = …
///   k̄₁ = h/6 λ + h/2 Ȳ₂;   Ȳ₁ = …
///   ȳ = λ + Ȳ₁ + Ȳ₂ + Ȳ₃ + Ȳ₄, and θ̄ += Σᵢ k̄ᵢᵀ∂f/∂θ at Yᵢ.
extension TrajectoryFitter {
    /// Gradient of the forward pass's sum of squared residuals with respect to θ.
    func backward(_ p: Problem, _ θ: [Double], _ layout: TrajectoryLayout, _ tape: TrajectoryTape, batch: Int?) throws -> [Double] {
        precondition(tape.recordsStages, "the adjoint needs the stage tape")
        let s = model.stateCount
        var gθ = [Double](repeating: 0, count: model.parameterCount)
        var λ = [Double](repeating: 0, count: s)
        var ȳ = [Double](repeating: 0, count: s)
        var k̄ = [Double](repeating: 0, count: s)
        var stage = [Double](repeating: 0, count: s)

        func pull(_ stageIndex: Int, base: Int, time: Double, inputs u: Model.Inputs) -> [Double] {
            for k in 0..<s { stage[k] = tape.stages[base + stageIndex * s + k] }
            let (sy, sθ) = model.pullback(stage, time: time, inputs: u, parameters: θ, cotangent: k̄)
            for q in 0..<gθ.count { gθ[q] += sθ[q] }
            for k in 0..<s { ȳ[k] += sy[k] }
            return sy
        }

        for i in stride(from: layout.rows - 1, through: 0, by: -1) {
            // λ is the cotangent of the state after row i's resets.
            for reset in layout.resets where reset.values[i] != nil { λ[reset.state] = 0 }
            for index in layout.observationsByRow[i] {
                let o = p.observations[index]
                let r = (tape.rowStates[i * s + o.state] - o.value) / o.scale
                λ[o.state] += 2 * r / o.scale
            }
            guard i > 0 else { break }
            let interval = i - 1
            let n = layout.stepCounts[interval]
            guard n > 0 else { continue }
            let t0 = p.times[interval]
            let h = (p.times[i] - t0) / Double(n)
            let u = p.inputs[interval]
            for j in stride(from: n - 1, through: 0, by: -1) {
                let t = t0 + Double(j) * h
                let step = layout.stepOffsets[interval] + j
                if clampsAtZero {
                    for k in 0..<s where tape.clamped[step * s + k] { λ[k] = 0 }
                }
                let base = step * 4 * s
                for k in 0..<s { ȳ[k] = λ[k]; k̄[k] = (h / 6) * λ[k] }
                var sy = pull(3, base: base, time: t + h, inputs: u)
                for k in 0..<s { k̄[k] = (h / 3) * λ[k] + h * sy[k] }
                sy = pull(2, base: base, time: t + 0.5 * h, inputs: u)
                for k in 0..<s { k̄[k] = (h / 3) * λ[k] + 0.5 * h * sy[k] }
                sy = pull(1, base: base, time: t + 0.5 * h, inputs: u)
                for k in 0..<s { k̄[k] = (h / 6) * λ[k] + 0.5 * h * sy[k] }
                _ = pull(0, base: base, time: t, inputs: u)
                swap(&λ, &ȳ)
                for k in 0..<s where !λ[k].isFinite {
                    throw TrajectoryFitError(batch: batch, row: i, reason: .nonFiniteGradient)
                }
            }
        }
        if gθ.contains(where: { !$0.isFinite }) {
            throw TrajectoryFitError(batch: batch, row: 0, reason: .nonFiniteGradient)
        }
        return gθ
    }
}
