/// Reading a batch record as the spec's model sees it.
extension SpecModel {
    /// The series of a variable in a record, by its name (`dissolved-oxygen` also finds the
    /// built-in `dissolved_oxygen`); nil when the record has none.
    public static func series(_ record: BatchRecord, _ name: String) -> [Double?]? {
        if let s = record.series(named: name) { return s }
        if name.contains("-") { return record.series(named: name.replacingOccurrences(of: "-", with: "_")) }
        return nil
    }

    /// The data variable holding state `name` (its observation's `variable`, else the name).
    public func dataVariable(ofState name: String) -> String {
        spec.observations.first { $0.state == name }?.variable ?? name
    }

    /// Inputs over each row interval (zero-order hold; one per row, the last unused).
    /// Unlogged flows count as zero; a recorded variable the model reads must be logged at
    /// least once.
    public func inputs(for record: BatchRecord) throws -> [SpecInputs] {
        let n = record.rowCount
        var feed = [Double](repeating: 0, count: n)
        var inflow = [[Double]](repeating: [Double](repeating: 0, count: stateCount), count: n)
        for line in record.feeds {
            let rate = line.rate.map { $0 ?? 0 }
            if line.addsVolume { for i in 0..<n { feed[i] += rate[i] } }
            for (s, name) in stateNames.enumerated() where s != volumeIndex {
                let carried = name == "substrate" ? line.concentration : line.substances[name]
                guard let carried, let conc = BatchRecord.filled(carried) else { continue }
                for i in 0..<n { inflow[i][s] += rate[i] * conc[i] }
            }
        }
        var withdrawn = [Double](repeating: 0, count: n)
        for line in record.withdrawals { for i in 0..<n { withdrawn[i] += line[i] ?? 0 } }
        let evaporated = record.evaporation.map { $0.map { $0 ?? 0 } }
        var recorded: [[Double]] = []
        for name in recordedNames {
            guard let s = Self.series(record, name), let held = BatchRecord.filled(s) else {
                throw BatchDataError(batchID: record.batchID, what: "no \(name) logged; the component spec '\(spec.id)' reads it")
            }
            recorded.append(held)
        }
        return (0..<n).map { i in
            SpecInputs(volumeFeed: feed[i], withdrawal: withdrawn[i], evaporation: evaporated?[i], inflow: inflow[i],
                       recorded: recorded.map { $0[i] })
        }
    }

    /// The start state: the first measured value of every state.
    public func initialState(for record: BatchRecord) throws -> [Double] {
        try stateNames.map { name in
            let variable = name == spec.volume ? "volume" : dataVariable(ofState: name)
            guard let s = Self.series(record, variable) ?? Self.series(record, name),
                  let first = s.first(where: { $0 != nil }) ?? nil else {
                throw BatchDataError(batchID: record.batchID, what: "no \(variable) measurement to start the '\(name)' state from")
            }
            return first
        }
    }

    /// The record as a trajectory-fitting problem: observations of every observed state
    /// after the first row, each residual divided by `scales[state] / √weight`; a volume the
    /// record marks as a recorded input resets the volume state at every kept row.
    ///
    /// With `minimumSpan`, consecutive row intervals are merged until they span at least that
    /// long (h), keeping every row with an observation: historians log every few minutes,
    /// assays come hours apart, and fitting through every logged row would cost one RK4 step
    /// per row. Merged intervals take the time-weighted mean of their inputs, which keeps
    /// every volume and mass inflow exact; a flow stepping by more than 20 % (a feed
    /// starting, a shot) starts a new interval, so only logging noise is averaged.
    public func problem(for record: BatchRecord, scales: [Double], minimumSpan: Double? = nil) throws -> TrajectoryProblem<SpecInputs> {
        let stateIndex = Dictionary(uniqueKeysWithValues: stateNames.enumerated().map { ($1, $0) })
        var observed: [(row: Int, state: Int, value: Double, scale: Double)] = []
        for o in spec.observations {
            guard let s = stateIndex[o.state], let series = Self.series(record, o.variable ?? o.state) else { continue }
            let scale = scales[s] / (o.weight ?? 1).squareRoot()
            for i in 1..<record.rowCount {
                if let value = series[i], value.isFinite { observed.append((i, s, value, scale)) }
            }
        }
        let inputs = try self.inputs(for: record)
        let n = record.rowCount
        // Rows kept on the fitting grid.
        // A flow that steps (a feed starting, a shot, a discharge) starts a new interval, so
        // merging averages logging noise, never a switch.
        func stepped(_ u: SpecInputs, from v: SpecInputs) -> Bool {
            func differs(_ a: Double, _ b: Double) -> Bool { abs(a - b) > 0.2 * max(abs(a), abs(b)) }
            if differs(u.volumeFeed, v.volumeFeed) || differs(u.withdrawal, v.withdrawal) { return true }
            if (u.evaporation == nil) != (v.evaporation == nil) { return true }
            return zip(u.inflow, v.inflow).contains { differs($0, $1) }
        }
        var kept = [0]
        if n > 1 {
            let mustKeep = Set(observed.map(\.row))
            for i in 1..<n {
                let last = kept[kept.count - 1]
                let span = record.time[i] - record.time[last]
                if i == n - 1 || mustKeep.contains(i) || span >= (minimumSpan ?? 0) || stepped(inputs[i], from: inputs[last]) { kept.append(i) }
            }
        }
        let newRow = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, $0) })
        var merged: [SpecInputs] = []
        for (a, b) in zip(kept, kept.dropFirst()) {
            if b == a + 1 { merged.append(inputs[a]); continue }
            let span = record.time[b] - record.time[a]
            var m = SpecInputs(volumeFeed: 0, withdrawal: 0, evaporation: nil, inflow: [Double](repeating: 0, count: stateCount),
                               recorded: [Double](repeating: 0, count: recordedNames.count))
            for i in a..<b {
                let w = span > 0 ? (record.time[i + 1] - record.time[i]) / span : 1 / Double(b - a)
                let u = inputs[i]
                m.volumeFeed += w * u.volumeFeed
                m.withdrawal += w * u.withdrawal
                if let e = u.evaporation { m.evaporation = (m.evaporation ?? 0) + w * e }
                for k in 0..<stateCount { m.inflow[k] += w * u.inflow[k] }
                for k in 0..<recordedNames.count { m.recorded[k] += w * u.recorded[k] }
            }
            merged.append(m)
        }
        var recorded: [Int: [Double?]] = [:]
        if record.volumeIsRecordedInput, let held = record.heldVolume() { recorded[volumeIndex] = kept.map { held[$0] } }
        let observations = observed.map { TrajectoryProblem<SpecInputs>.Observation(row: newRow[$0.row]!, state: $0.state, value: $0.value, scale: $0.scale) }
        return TrajectoryProblem(times: kept.map { record.time[$0] }, inputs: merged, initialState: try initialState(for: record),
                                 observations: observations, recorded: recorded)
    }
}
