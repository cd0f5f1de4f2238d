import Foundation

/// The file the mammalian simulator writes and the data config that describes it, made
/// from one list of columns so the two cannot disagree.
///
/// The columns use units an analyser or historian export would (glutamine and ammonia in
/// mmol/L, titre in mg/L, feed in mL/h), so the simulated site is read through unit
/// conversions like a plant's; nothing about this layout is special to the reader.
public struct MammalianCSVLayout: Sendable {
    /// One column: its header, unit and how it maps to a variable or input.
    public struct Column: Sendable {
        public enum Role: Sendable {
            /// A named variable (`viable-cells`, `glucose`, …, `titre`, `volume`, `temperature`, …).
            case variable(String)
            /// The feed's flow, or a substance it carries.
            case feedFlow
            case feedCarries(String)
            case withdrawal
        }

        public var name: String
        public var unit: String
        public var kind: UnitConversion.Kind
        public var molarMass: Double?
        public var role: Role
    }

    public var batchColumn = "batch"
    public var timeColumn = "time_h"
    public var columns: [Column]

    /// The layout `fedtwin data simulate` writes for a mammalian profile.
    public static let standard = MammalianCSVLayout(columns: [
        Column(name: "Xv_1e6_cells_per_mL", unit: "1e6 cells/mL", kind: .cellDensity, role: .variable("viable-cells")),
        Column(name: "glucose_g_per_L", unit: "g/L", kind: .concentration, role: .variable("glucose")),
        Column(name: "glutamine_mM", unit: "mmol/L", kind: .concentration, molarMass: CellCultureKinetics.glutamineMolarMass,
               role: .variable("glutamine")),
        Column(name: "lactate_g_per_L", unit: "g/L", kind: .concentration, role: .variable("lactate")),
        Column(name: "ammonia_mM", unit: "mmol/L", kind: .concentration, molarMass: CellCultureKinetics.ammoniaMolarMass,
               role: .variable("ammonia")),
        Column(name: "titre_mg_per_L", unit: "mg/L", kind: .concentration, role: .variable("titre")),
        Column(name: "V_L", unit: "L", kind: .volume, role: .variable("volume")),
        Column(name: "T_C", unit: "C", kind: .temperature, role: .variable("temperature")),
        Column(name: "pH", unit: "pH", kind: .pH, role: .variable("pH")),
        Column(name: "DO_pct", unit: "%", kind: .dissolvedOxygen, role: .variable("dissolved_oxygen")),
        Column(name: "feed_mL_per_h", unit: "mL/h", kind: .volumeFlow, role: .feedFlow),
        Column(name: "feed_glucose_g_per_L", unit: "g/L", kind: .concentration, role: .feedCarries("glucose")),
        Column(name: "feed_glutamine_mM", unit: "mmol/L", kind: .concentration, molarMass: CellCultureKinetics.glutamineMolarMass,
               role: .feedCarries("glutamine")),
        Column(name: "sampling_L_per_h", unit: "L/h", kind: .volumeFlow, role: .withdrawal),
    ])

    /// The data config describing a file `path` in this layout: every column an ordinary
    /// variable, feed or withdrawal with its unit; flows declared positive.
    public func dataConfig(path: String, heldOutFraction: Double, splitSeed: UInt64) -> SiteDataConfig {
        var variables: [VariableSpec] = []
        var flow: FlowSpec?
        var carries: [CarriedSubstance] = []
        var withdrawals: [FlowSpec] = []
        for c in columns {
            switch c.role {
            case .variable(let name): variables.append(VariableSpec(name: name, column: c.name, unit: c.unit, molarMass: c.molarMass))
            case .feedFlow: flow = FlowSpec(name: "feed", column: c.name, unit: c.unit, sign: .positive)
            case .feedCarries(let s): carries.append(CarriedSubstance(substance: s, column: c.name, unit: c.unit, molarMass: c.molarMass))
            case .withdrawal: withdrawals.append(FlowSpec(name: "sampling", column: c.name, unit: c.unit, sign: .positive))
            }
        }
        let feeds = flow.map { [FeedSpec(name: "feed", flow: $0, carries: carries)] } ?? []
        return SiteDataConfig(files: [DataFileSpec(path: path, batchColumn: batchColumn, time: TimeSpec(column: timeColumn, unit: "h"))],
                              variables: variables, feeds: feeds, withdrawals: withdrawals,
                              heldOutFraction: heldOutFraction, splitSeed: splitSeed)
    }

    /// CSV text of the records in this layout (7 significant digits).
    public func text(for records: [BatchRecord]) throws -> String {
        typealias Extract = (BatchRecord, Int) -> Double?
        var out: [(name: String, conversion: UnitConversion, value: Extract)] = []
        for c in columns {
            guard case .success(let conversion) = UnitConversion.convert(c.unit, kind: c.kind, molarMass: c.molarMass) else {
                throw BatchCSVError(file: "<writer>", line: 0, column: c.name, kind: .unknownUnit(c.unit))
            }
            let value: Extract
            switch c.role {
            case .variable(let name): value = { r, i in r.series(named: name)?[i] ?? nil }
            case .feedFlow: value = { r, i in r.feeds.first?.rate[i] ?? nil }
            case .feedCarries(let s): value = { r, i in r.feeds.first?.substances[s]?[i] ?? nil }
            case .withdrawal: value = { r, i in r.withdrawals.first?[i] ?? nil }
            }
            out.append((c.name, conversion, value))
        }
        var text = ([batchColumn, timeColumn] + out.map(\.name)).map(CSVLineSplitter.quote).joined(separator: ",") + "\n"
        for record in records {
            let id = CSVLineSplitter.quote(record.batchID)
            for i in 0..<record.rowCount {
                var row = id + "," + String(format: "%.7g", record.time[i])
                for column in out {
                    row += ","
                    if let v = column.value(record, i) { row += String(format: "%.7g", column.conversion.fromCanonical(v)) }
                }
                text += row + "\n"
            }
        }
        return text
    }

    /// Writes the CSV atomically.
    public func write(_ records: [BatchRecord], to url: URL) throws {
        try text(for: records).write(to: url, atomically: true, encoding: .utf8)
    }
}
