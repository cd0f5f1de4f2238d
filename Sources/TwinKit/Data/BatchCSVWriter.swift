import Foundation

/// Writes batch records as CSV in the layout and units a ``ColumnMapping`` declares, so
/// simulated data round-trips through the same reader real data uses.
public struct BatchCSVWriter: Sendable {
    public var mapping: ColumnMapping
    /// Significant digits written (assays carry a few % noise; 7 digits is plenty).
    public var significantDigits: Int

    public init(mapping: ColumnMapping, significantDigits: Int = 7) {
        self.mapping = mapping
        self.significantDigits = significantDigits
    }

    /// CSV text for the records (header + one row per batch and time).
    public func text(for records: [BatchRecord]) throws -> String {
        var columns: [(name: String, conversion: UnitConversion, value: (BatchRecord, Int) -> Double?)] = []
        func add(_ ref: ColumnRef?, _ quantity: UnitConversion.Quantity, _ value: @escaping (BatchRecord, Int) -> Double?) throws {
            guard let ref else { return }
            guard let c = UnitConversion.of(ref.unit, for: quantity) else {
                throw BatchCSVError(file: "<writer>", line: 0, column: ref.column, kind: .unknownUnit(ref.unit))
            }
            columns.append((ref.column, c, value))
        }
        try add(mapping.time, .time) { r, i in r.time[i] }
        try add(mapping.biomass, .concentration) { r, i in r.biomass[i] }
        try add(mapping.substrate, .concentration) { r, i in r.substrate[i] }
        try add(mapping.product, .concentration) { r, i in r.product[i] }
        try add(mapping.volume, .volume) { r, i in r.volume[i] }
        try add(mapping.temperature, .temperature) { r, i in r.temperature[i] }
        try add(mapping.pH, .pH) { r, i in r.pH[i] }
        try add(mapping.dissolvedOxygen, .percent) { r, i in r.dissolvedOxygen[i] }
        for (f, feed) in mapping.feeds.enumerated() {
            try add(feed.rate, .flow) { r, i in f < r.feeds.count ? r.feeds[f].rate[i] : nil }
            try add(feed.concentration, .concentration) { r, i in f < r.feeds.count ? r.feeds[f].concentration[i] : nil }
        }
        for (w, ref) in mapping.withdrawals.enumerated() {
            try add(ref, .flow) { r, i in w < r.withdrawals.count ? r.withdrawals[w][i] : nil }
        }
        var out = ([mapping.batchID] + columns.map(\.name)).map(CSVLineSplitter.quote).joined(separator: ",") + "\n"
        let format = "%.\(significantDigits)g"
        for record in records {
            let id = CSVLineSplitter.quote(record.batchID)
            for i in 0..<record.rowCount {
                var row = id
                for column in columns {
                    row += ","
                    if let v = column.value(record, i) {
                        row += String(format: format, column.conversion.fromCanonical(v))
                    }
                }
                out += row
                out += "\n"
            }
        }
        return out
    }

    /// Writes the CSV atomically to `url`.
    public func write(_ records: [BatchRecord], to url: URL) throws {
        try text(for: records).write(to: url, atomically: true, encoding: .utf8)
    }
}
