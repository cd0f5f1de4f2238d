/// A process variable in the batch-wise unfolded MSPC data matrix.
public enum MonitoredVariable: String, Sendable, Codable, CaseIterable {
    case biomass = "X", substrate = "S", product = "P", volume = "V", temperature = "T", pH, feed = "F"

    /// Value of this variable in `record` at time `t`: offline assays are linearly
    /// interpolated; online series are held from the last logged row at or before `t`.
    func value(in record: BatchRecord, at t: Double) -> Double? {
        switch self {
        case .biomass: return record.interpolated(\.biomass, at: t)
        case .substrate: return record.interpolated(\.substrate, at: t)
        case .product: return record.interpolated(\.product, at: t)
        case .volume: return Self.held(record, \.volume, t)
        case .temperature: return Self.held(record, \.temperature, t)
        case .pH: return Self.held(record, \.pH, t)
        case .feed:
            guard !record.feeds.isEmpty else { return 0 }
            let row = Self.row(record, t)
            var total = 0.0
            for feed in record.feeds {
                if let v = feed.rate[0...row].last(where: { $0 != nil }) ?? nil { total += v }
            }
            return total
        }
    }

    static func row(_ record: BatchRecord, _ t: Double) -> Int {
        var lo = 0, hi = record.rowCount - 1
        if record.time[hi] <= t { return hi }
        while hi - lo > 1 {
            let mid = (lo + hi) / 2
            if record.time[mid] <= t { lo = mid } else { hi = mid }
        }
        return lo
    }

    static func held(_ record: BatchRecord, _ series: KeyPath<BatchRecord, [Double?]>, _ t: Double) -> Double? {
        let s = record[keyPath: series]
        let row = Self.row(record, t)
        if let v = s[0...row].last(where: { $0 != nil }) ?? nil { return v }
        return s.first(where: { $0 != nil }) ?? nil
    }
}
