import Foundation

/// Rates-from-data for any spec: the integral mass balances of the assays, fitted directly.
///
/// Between two assays of the cells state at t_a and t_b, each observed substance obeys
///
///     c_b·V_b − c_a·V_a = ∫ (V·dc/dt + c·dV/dt) dt = ∫ (V·Σ terms + inflow − W·c) dt
///
/// The right-hand side is evaluated with the model along the assays interpolated between
/// rows (cells log-linearly, everything else linearly) and the logged flows, so each
/// interval constrains the interval-average reaction terms without integrating the ODE or
/// differentiating noisy data — ``IntervalRateEstimator``'s method, with the spec's rates
/// in place of three fixed ones. Residuals are in concentration units divided by the
/// variable's spread. Cheap (one model evaluation per row), so it serves as a warm start
/// for trajectory fitting; it needs logged volume, and batches without it are skipped.
struct SpecIntervalBalances: Sendable {
    struct Row: Sendable {
        var dt: Double
        var time: Double
        var state: [Double]
        var inputs: SpecInputs
        /// Index of the interval the row belongs to.
        var interval: Int
    }
    struct Residual: Sendable {
        var interval: Int
        var state: Int
        var observed: Double
        /// 1 / (mean volume · spread) · √weight.
        var scale: Double
    }

    let model: SpecModel
    var rows: [Row] = []
    var residuals: [Residual] = []
    var intervalCount = 0
    /// Batches skipped (no logged volume or fewer than two assays of the cells state).
    var skipped: [String] = []

    /// `chunk`: rows are grouped into pieces of at least this span (h) within an interval,
    /// each evaluated once at its midpoint with its time-averaged inputs.
    init(model: SpecModel, records: [BatchRecord], scales: [Double], chunk: Double = 1) throws {
        self.model = model
        let vi = model.volumeIndex
        for record in records {
            guard let volume = record.heldVolume() else { skipped.append(record.batchID); continue }
            let n = record.rowCount
            let inputs = try model.inputs(for: record)
            // Interpolated states at every row.
            var grid = [[Double]](repeating: [Double](repeating: 0, count: model.stateCount), count: n)
            for (s, name) in model.stateNames.enumerated() {
                if s == vi { for i in 0..<n { grid[i][s] = volume[i] }; continue }
                let series = SpecModel.series(record, model.dataVariable(ofState: name)) ?? []
                let samples = zip(record.time, series).compactMap { t, v in v.map { (t, $0) } }
                guard !samples.isEmpty else { continue }
                let logLinear = s == model.cellsIndex
                var k = 0
                for i in 0..<n {
                    let t = record.time[i]
                    while k + 1 < samples.count && samples[k + 1].0 <= t { k += 1 }
                    if t <= samples[0].0 { grid[i][s] = samples[0].1; continue }
                    if k + 1 >= samples.count { grid[i][s] = samples[samples.count - 1].1; continue }
                    let (t0, v0) = samples[k], (t1, v1) = samples[k + 1]
                    let w = t1 > t0 ? (t - t0) / (t1 - t0) : 1
                    if logLinear && v0 > 0 && v1 > 0 { grid[i][s] = v0 * Foundation.pow(v1 / v0, w) } else { grid[i][s] = v0 + (v1 - v0) * w }
                }
            }
            let cellsSeries = SpecModel.series(record, model.dataVariable(ofState: model.stateNames[model.cellsIndex])) ?? []
            let ends = (0..<n).filter { $0 < cellsSeries.count && cellsSeries[$0] != nil }
            guard ends.count >= 2 else { skipped.append(record.batchID); continue }
            func smoothed(_ row: Int) -> Double {
                let lo = max(0, row - 5), hi = min(n - 1, row + 5)
                return volume[lo...hi].reduce(0, +) / Double(hi - lo + 1)
            }
            for (a, b) in zip(ends, ends.dropFirst()) {
                guard record.time[b] > record.time[a] else { continue }
                let interval = intervalCount
                intervalCount += 1
                var vSum = 0.0
                var start = a
                while start < b {
                    var end = start + 1
                    while end < b && record.time[end] - record.time[start] < chunk { end += 1 }
                    let dt = record.time[end] - record.time[start]
                    defer { start = end }
                    guard dt > 0 else { continue }
                    var u = inputs[start]
                    if end > start + 1 {
                        u = SpecInputs(volumeFeed: 0, withdrawal: 0, evaporation: nil, inflow: [Double](repeating: 0, count: model.stateCount),
                                       recorded: [Double](repeating: 0, count: model.recordedNames.count))
                        for i in start..<end {
                            let w = (record.time[i + 1] - record.time[i]) / dt
                            let x = inputs[i]
                            u.volumeFeed += w * x.volumeFeed
                            u.withdrawal += w * x.withdrawal
                            if let e = x.evaporation { u.evaporation = (u.evaporation ?? 0) + w * e }
                            for k in 0..<model.stateCount { u.inflow[k] += w * x.inflow[k] }
                            for k in 0..<model.recordedNames.count { u.recorded[k] += w * x.recorded[k] }
                        }
                    }
                    let mid = zip(grid[start], grid[end]).map { ($0 + $1) / 2 }
                    rows.append(Row(dt: dt, time: (record.time[start] + record.time[end]) / 2 - record.time[0], state: mid, inputs: u, interval: interval))
                    vSum += mid[vi] * dt
                }
                let vMean = vSum / (record.time[b] - record.time[a])
                for o in model.spec.observations {
                    guard let s = model.stateNames.firstIndex(of: o.state), s != vi,
                          let series = SpecModel.series(record, o.variable ?? o.state),
                          let ca = series[a], let cb = series[b] else { continue }
                    let observed = cb * smoothed(b) - ca * smoothed(a)
                    residuals.append(Residual(interval: interval, state: s, observed: observed,
                                              scale: (o.weight ?? 1).squareRoot() / (max(vMean, 1e-9) * scales[s])))
                }
            }
        }
    }

    /// Mean squared scaled residual and its gradient with respect to θ.
    func lossAndGradient(_ θ: [Double]) -> (loss: Double, gradient: [Double]) {
        guard !residuals.isEmpty else { return (0, [Double](repeating: 0, count: θ.count)) }
        let vi = model.volumeIndex
        var predicted = [[Double]](repeating: [Double](repeating: 0, count: model.stateCount), count: intervalCount)
        for row in rows {
            let d = model.derivative(row.state, time: row.time, inputs: row.inputs, parameters: θ)
            for s in 0..<model.stateCount where s != vi {
                predicted[row.interval][s] += row.dt * (row.state[vi] * d[s] + row.state[s] * d[vi])
            }
        }
        var coefficient = [[Double]](repeating: [Double](repeating: 0, count: model.stateCount), count: intervalCount)
        var loss = 0.0
        let count = Double(residuals.count)
        for r in residuals {
            let z = (predicted[r.interval][r.state] - r.observed) * r.scale
            loss += z * z / count
            coefficient[r.interval][r.state] += 2 * z * r.scale / count
        }
        var gradient = [Double](repeating: 0, count: θ.count)
        for row in rows {
            let c = coefficient[row.interval]
            var λ = [Double](repeating: 0, count: model.stateCount)
            var any = false
            for s in 0..<model.stateCount where s != vi && c[s] != 0 {
                λ[s] += row.dt * c[s] * row.state[vi]
                λ[vi] += row.dt * c[s] * row.state[s]
                any = true
            }
            guard any else { continue }
            let g = model.pullback(row.state, time: row.time, inputs: row.inputs, parameters: θ, cotangent: λ).parameters
            for i in 0..<g.count { gradient[i] += g[i] }
        }
        return (loss, gradient)
    }
}
