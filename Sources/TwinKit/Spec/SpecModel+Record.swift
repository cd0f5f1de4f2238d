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
    /// record marks as a recorded input resets the volume state at every row.
    public func problem(for record: BatchRecord, scales: [Double]) throws -> TrajectoryProblem<SpecInputs> {
        let stateIndex = Dictionary(uniqueKeysWithValues: stateNames.enumerated().map { ($1, $0) })
        var observations: [TrajectoryProblem<SpecInputs>.Observation] = []
        for o in spec.observations {
            guard let s = stateIndex[o.state], let series = Self.series(record, o.variable ?? o.state) else { continue }
            let scale = scales[s] / (o.weight ?? 1).squareRoot()
            for i in 1..<record.rowCount {
                if let value = series[i], value.isFinite { observations.append(.init(row: i, state: s, value: value, scale: scale)) }
            }
        }
        var recorded: [Int: [Double?]] = [:]
        if record.volumeIsRecordedInput, let held = record.heldVolume() { recorded[volumeIndex] = held }
        let inputs = try self.inputs(for: record)
        return TrajectoryProblem(times: record.time, inputs: Array(inputs.dropLast()), initialState: try initialState(for: record),
                                 observations: observations, recorded: recorded)
    }
}
