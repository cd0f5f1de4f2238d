/// Views of a record that models need: held inputs, offline samples, initial state.
extension BatchRecord {
    /// Last-observation-carried-forward fill, with the first observation carried back to
    /// the start. Online loggers hold their last value, so this is what the plant saw.
    static func filled(_ series: [Double?]) -> [Double]? {
        guard let first = series.first(where: { $0 != nil }) ?? nil else { return nil }
        var last = first
        return series.map { value in
            if let value { last = value }
            return last
        }
    }

    /// Inputs over each row interval (zero-order hold). Unlogged feeds and withdrawals
    /// count as zero; temperature and pH must be logged at least once.
    public func reactorInputs() throws -> [ReactorInputs] {
        guard let temps = Self.filled(temperature) else {
            throw BatchDataError(batchID: batchID, what: "no temperature logged")
        }
        guard let pHs = Self.filled(pH) else {
            throw BatchDataError(batchID: batchID, what: "no pH logged")
        }
        var flow = [Double](repeating: 0, count: rowCount)
        var substrateIn = [Double](repeating: 0, count: rowCount)
        for feed in feeds {
            let rates = feed.rate.map { $0 ?? 0 }
            let conc = Self.filled(feed.concentration) ?? [Double](repeating: 0, count: rowCount)
            for i in 0..<rowCount {
                if feed.addsVolume { flow[i] += rates[i] }
                substrateIn[i] += rates[i] * conc[i]
            }
        }
        var withdrawn = [Double](repeating: 0, count: rowCount)
        for line in withdrawals {
            for i in 0..<rowCount { withdrawn[i] += line[i] ?? 0 }
        }
        // A logged evaporation replaces the models' law; an empty cell where it is logged is 0.
        let evaporated = evaporation.map { $0.map { $0 ?? 0 } }
        return (0..<rowCount).map {
            ReactorInputs(feedRate: flow[$0], substrateInflow: substrateIn[$0], withdrawalRate: withdrawn[$0],
                          temperature: temps[$0], pH: pHs[$0], evaporationRate: evaporated?[$0])
        }
    }

    /// Measured (time, value) pairs of a series, skipping unsampled rows.
    public func samples(_ series: KeyPath<BatchRecord, [Double?]>) -> [(time: Double, value: Double)] {
        zip(time, self[keyPath: series]).compactMap { t, v in v.map { (t, $0) } }
    }

    /// State at the first row, from the first assay of X, S, P and the first volume.
    /// Models start their open-loop simulation here.
    public func initialState() throws -> ReactorState {
        func first(_ s: [Double?], _ name: String) throws -> Double {
            guard let v = s.first(where: { $0 != nil }) ?? nil else {
                throw BatchDataError(batchID: batchID, what: "no \(name) measurement")
            }
            return v
        }
        return ReactorState(biomass: try first(biomass, "biomass"), substrate: try first(substrate, "substrate"),
                            product: try first(product, "product"), volume: try first(volume, "volume"))
    }

    /// Volume at each row: logged values held forward, or — where volume is not logged —
    /// nil, so callers integrate it from the flows instead.
    public func heldVolume() -> [Double]? { Self.filled(volume) }

    /// Value of a sparse series at time `t` by linear interpolation between samples
    /// (flat beyond the ends); nil if the series has no samples.
    public func interpolated(_ series: KeyPath<BatchRecord, [Double?]>, at t: Double) -> Double? {
        let s = samples(series)
        guard let first = s.first, let last = s.last else { return nil }
        if t <= first.time { return first.value }
        if t >= last.time { return last.value }
        var lo = 0
        var hi = s.count - 1
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if s[mid].time <= t { lo = mid } else { hi = mid }
        }
        let span = s[hi].time - s[lo].time
        if span <= 0 { return s[hi].value }
        let w = (t - s[lo].time) / span
        return s[lo].value + w * (s[hi].value - s[lo].value)
    }
}
