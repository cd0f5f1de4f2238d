import Foundation

/// Reads a site's batch records through a ``SiteDataConfig``: several `.csv` / `.csv.gz`
/// files joined by batch id and time, columns mapped to named variables and inputs in
/// canonical units.
///
/// All-or-nothing like ``BatchCSVReader``: every column is resolved in every header before
/// a row is parsed, and the first bad cell throws a ``BatchCSVError`` with file, line and
/// column. Rows of all files of a batch are merged on one time grid (rows at the same time
/// share a grid row). Measurements appear only at the rows where they were taken; inputs
/// (flows, densities, feed concentrations, evaporation) logged in another file hold their
/// last logged value, as the plant's pumps did.
public struct SiteDataReader: Sendable {
    /// Largest inflated size of one `.csv.gz` (bytes).
    public static let defaultMaxInflatedBytes = 1 << 30

    /// A multi-file config (``SiteDataConfig/normalized(file:)``).
    public var config: SiteDataConfig
    /// Directory relative file paths are resolved from.
    public var directory: URL
    public var maxInflatedBytes: Int

    public init(config: SiteDataConfig, directory: URL, maxInflatedBytes: Int = SiteDataReader.defaultMaxInflatedBytes) {
        self.config = config
        self.directory = directory
        self.maxInflatedBytes = maxInflatedBytes
    }

    /// What was read.
    public struct Output: Sendable {
        public var records: [BatchRecord]
        public var warnings: [DataWarning]
    }

    /// One mapped column of one file, parsed to canonical units.
    private struct Source {
        var file: Int
        var column: Int
        var name: String
        var conversion: UnitConversion
        /// Flows are sign-checked (nil = not a flow).
        var flowSign: FlowSpec.Sign??
        /// Held forward on grid rows of other files.
        var hold: Bool
    }

    private enum Value {
        case source(Int)
        case constant(Double)
    }

    private struct Flow {
        var value: Int
        /// Mass flows: divided by this density (kg/L).
        var density: Value?
    }

    private struct FileTable {
        var path: String
        var header: [String: Int]
        var columnCount: Int
        var lines: [Substring]
    }

    private struct FileBatch {
        var raw: [Double] = []
        var lines: [Int] = []
        var start: Double?
        var values: [[Double?]]
    }

    public func read() throws -> Output {
        guard let files = config.files else { throw DataConfigError(file: "data config", key: "files", problem: .noFiles) }
        let tables = try files.map(loadTable)
        var sources: [Source] = []

        func locate(_ column: String, file: String?) throws -> (Int, Int) {
            if let file {
                let f = files.firstIndex { $0.path == file }!
                guard let c = tables[f].header[column] else {
                    throw BatchCSVError(file: tables[f].path, line: 1, column: column, kind: .missingColumn)
                }
                return (f, c)
            }
            let found = tables.indices.filter { tables[$0].header[column] != nil }
            guard let f = found.first else { throw BatchCSVError(file: tables[0].path, line: 1, column: column, kind: .missingColumn) }
            guard found.count == 1 else {
                throw BatchCSVError(file: tables[f].path, line: 1, column: column, kind: .ambiguousColumn(found.map { tables[$0].path }))
            }
            return (f, tables[f].header[column]!)
        }
        func add(_ column: String, file: String?, _ conversion: UnitConversion, flow: FlowSpec.Sign?? = nil, hold: Bool) throws -> Int {
            let (f, c) = try locate(column, file: file)
            sources.append(Source(file: f, column: c, name: column, conversion: conversion, flowSign: flow, hold: hold))
            return sources.count - 1
        }
        func conversion(_ unit: String, _ kind: UnitConversion.Kind, molarMass: Double? = nil, saturation: Double? = nil) -> UnitConversion {
            // Validated by SiteDataConfig.validate.
            (try? UnitConversion.convert(unit, kind: kind, molarMass: molarMass, saturation: saturation).get()) ?? UnitConversion(scale: 1, offset: 0)
        }
        func quantity(_ q: QuantitySpec, _ kind: UnitConversion.Kind) throws -> Value {
            let c = conversion(q.unit, kind, molarMass: q.molarMass)
            if let v = q.value { return .constant(c.toCanonical(v)) }
            return .source(try add(q.column!, file: q.file, c, hold: true))
        }
        func flow(_ spec: FlowSpec) throws -> Flow {
            if case .success(let c) = UnitConversion.convert(spec.unit, kind: .volumeFlow) {
                return Flow(value: try add(spec.column, file: spec.file, c, flow: .some(spec.sign), hold: true), density: nil)
            }
            let mass = try add(spec.column, file: spec.file, conversion(spec.unit, .massFlow), flow: .some(spec.sign), hold: true)
            return Flow(value: mass, density: try quantity(spec.density!, .density))
        }

        // Resolve every column of the config in the headers before any row is parsed.
        var variables: [(name: String, source: Int)] = []
        for v in config.variables ?? [] {
            let kind = SiteDataConfig.builtInKinds[v.name]
                ?? ((try? UnitConversion.kind(ofVariableUnit: v.unit, molarMass: v.molarMass, saturation: v.saturation).get())?.0 ?? .concentration)
            let c = conversion(v.unit, kind, molarMass: v.molarMass, saturation: v.saturation)
            variables.append((v.name, try add(v.column, file: v.file, c, hold: false)))
        }
        let feeds = try (config.feeds ?? []).map { feed in
            (flow: try flow(feed.flow), addsVolume: feed.addsVolume ?? true,
             carries: try (feed.carries ?? []).map { (substance: $0.substance, value: try quantity($0.quantity, .concentration)) })
        }
        let withdrawals = try (config.withdrawals ?? []).map(flow)
        let evaporation = try config.evaporation.map(flow)
        var startColumns: [Int?] = []
        for (f, spec) in files.enumerated() {
            if let start = spec.time.batchStart {
                guard let c = tables[f].header[start] else { throw BatchCSVError(file: tables[f].path, line: 1, column: start, kind: .missingColumn) }
                startColumns.append(c)
            } else {
                startColumns.append(nil)
            }
        }

        var parsed: [(order: [String], batches: [String: FileBatch])] = []
        for f in files.indices {
            parsed.append(try parse(file: f, spec: files[f], table: tables[f], sources: sources, startColumn: startColumns[f]))
        }

        // Batches every file has; the others are refused or dropped.
        var warnings: [DataWarning] = []
        var keep = Set(parsed[0].order)
        for p in parsed.dropFirst() { keep.formIntersection(p.order) }
        for (f, p) in parsed.enumerated() {
            let extra = p.order.filter { !keep.contains($0) }
            guard let first = extra.first else { continue }
            let lacking = parsed.indices.first { parsed[$0].batches[first] == nil }!
            if (config.missingBatches ?? .refuse) == .refuse {
                throw BatchCSVError(file: tables[f].path, line: p.batches[first]!.lines[0], column: files[f].batchColumn,
                                    kind: .batchNotInAllFiles(batch: first, missingFrom: tables[lacking].path))
            }
            warnings.append(DataWarning(.droppedBatches(extra, missingFrom: tables[lacking].path)))
        }

        var records: [BatchRecord] = []
        for id in parsed[0].order where keep.contains(id) {
            var perFile = parsed.map { $0.batches[id]! }
            // Timestamps count from the batch start: a start column, or the earliest timestamp.
            let earliest = files.indices.filter { files[$0].time.format == .timestamp }.compactMap { perFile[$0].raw.first }.min()
            for f in files.indices where files[f].time.format == .timestamp {
                let start = perFile[f].start ?? earliest ?? 0
                if let k = perFile[f].raw.firstIndex(where: { $0 < start }) {
                    throw BatchCSVError(file: tables[f].path, line: perFile[f].lines[k], column: files[f].time.column,
                                        kind: .beforeBatchStart(String(perFile[f].raw[k])))
                }
                perFile[f].raw = perFile[f].raw.map { ($0 - start) / 3600 }
            }
            records.append(try assemble(id: id, perFile: perFile, tables: tables, sources: sources, variables: variables,
                                        feeds: feeds, withdrawals: withdrawals, evaporation: evaporation))
        }
        return Output(records: records, warnings: warnings)
    }

    private func loadTable(_ spec: DataFileSpec) throws -> FileTable {
        let url = spec.path.hasPrefix("/") ? URL(fileURLWithPath: spec.path) : directory.appendingPathComponent(spec.path)
        let data = try InputFile.readInflating(url, what: "batch CSV", maxInflatedBytes: maxInflatedBytes)
        guard let text = String(data: data, encoding: .utf8) else {
            throw BatchCSVError(file: spec.path, line: 0, column: nil, kind: .unreadable("not UTF-8 text: export the CSV as UTF-8"))
        }
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        guard let headerLine = lines.first, !headerLine.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw BatchCSVError(file: spec.path, line: 1, column: nil, kind: .empty)
        }
        let header = CSVLineSplitter.split(strippingCR(headerLine)).map { $0.trimmingCharacters(in: .whitespaces) }
        var index: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            guard index[name] == nil else { throw BatchCSVError(file: spec.path, line: 1, column: name, kind: .duplicateColumn) }
            index[name] = i
        }
        for column in [spec.batchColumn, spec.time.column] where index[column] == nil {
            throw BatchCSVError(file: spec.path, line: 1, column: column, kind: .missingColumn)
        }
        return FileTable(path: spec.path, header: index, columnCount: header.count, lines: lines)
    }

    private func parse(file f: Int, spec: DataFileSpec, table: FileTable, sources: [Source], startColumn: Int?)
        throws -> (order: [String], batches: [String: FileBatch]) {
        let mine = sources.indices.filter { sources[$0].file == f }
        let idIndex = table.header[spec.batchColumn]!
        let timeIndex = table.header[spec.time.column]!
        let timestamps = spec.time.format == .timestamp
        let timeConversion = UnitConversion.of(spec.time.unit ?? "h", for: .time) ?? UnitConversion(scale: 1, offset: 0)
        var order: [String] = []
        var batches: [String: FileBatch] = [:]
        for lineNumber in stride(from: 2, through: table.lines.count, by: 1) {
            let fields = CSVLineSplitter.split(strippingCR(table.lines[lineNumber - 1]))
            guard fields.count == table.columnCount else {
                throw BatchCSVError(file: table.path, line: lineNumber, column: nil,
                                    kind: .wrongFieldCount(expected: table.columnCount, actual: fields.count))
            }
            let id = fields[idIndex].trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else { throw BatchCSVError(file: table.path, line: lineNumber, column: spec.batchColumn, kind: .missingValue) }
            func timestamp(_ cell: String, _ column: String) throws -> Double {
                let trimmed = cell.trimmingCharacters(in: .whitespaces)
                guard !trimmed.isEmpty else { throw BatchCSVError(file: table.path, line: lineNumber, column: column, kind: .missingValue) }
                guard let s = Timestamp.seconds(trimmed) else {
                    throw BatchCSVError(file: table.path, line: lineNumber, column: column, kind: .badTimestamp(trimmed))
                }
                return s
            }
            let t: Double
            if timestamps {
                t = try timestamp(fields[timeIndex], spec.time.column)
            } else {
                guard let v = try BatchCSVReader.parsed(fields[timeIndex], file: table.path, line: lineNumber, column: spec.time.column) else {
                    throw BatchCSVError(file: table.path, line: lineNumber, column: spec.time.column, kind: .missingValue)
                }
                t = timeConversion.toCanonical(v)
            }
            var batch = batches[id] ?? FileBatch(values: Array(repeating: [], count: mine.count))
            if batch.raw.isEmpty {
                order.append(id)
                if let startColumn { batch.start = try timestamp(fields[startColumn], spec.time.batchStart!) }
            }
            if let previous = batch.raw.last, t < previous {
                throw BatchCSVError(file: table.path, line: lineNumber, column: spec.time.column,
                                    kind: .timeWentBackwards(previous: timestamps ? previous / 3600 : previous, current: timestamps ? t / 3600 : t))
            }
            batch.raw.append(t)
            batch.lines.append(lineNumber)
            for (slot, s) in mine.enumerated() {
                let source = sources[s]
                guard var v = try BatchCSVReader.parsed(fields[source.column], file: table.path, line: lineNumber, column: source.name) else {
                    batch.values[slot].append(nil)
                    continue
                }
                if case .some(let sign) = source.flowSign {
                    let cell = fields[source.column].trimmingCharacters(in: .whitespaces)
                    switch sign {
                    case .negative:
                        guard v <= 0 else { throw BatchCSVError(file: table.path, line: lineNumber, column: source.name, kind: .positiveFlowDeclaredNegative(cell)) }
                        v = -v
                    case .positive, nil:
                        guard v >= 0 else { throw BatchCSVError(file: table.path, line: lineNumber, column: source.name, kind: .negativeFlow(cell, declared: sign != nil)) }
                    }
                }
                let canonical = source.conversion.toCanonical(v)
                guard canonical.isFinite else {
                    throw BatchCSVError(file: table.path, line: lineNumber, column: source.name,
                                        kind: .outOfRange(fields[source.column].trimmingCharacters(in: .whitespaces), unit: "canonical"))
                }
                batch.values[slot].append(canonical == 0 ? 0 : canonical)
            }
            batches[id] = batch
        }
        return (order, batches)
    }

    private struct GridKey: Hashable, Comparable {
        var time: Double
        var occurrence: Int
        static func < (a: GridKey, b: GridKey) -> Bool { (a.time, a.occurrence) < (b.time, b.occurrence) }
    }

    private func assemble(id: String, perFile: [FileBatch], tables: [FileTable], sources: [Source],
                          variables: [(name: String, source: Int)],
                          feeds: [(flow: Flow, addsVolume: Bool, carries: [(substance: String, value: Value)])],
                          withdrawals: [Flow], evaporation: Flow?) throws -> BatchRecord {
        // Row keys: (time, how many earlier rows of the same file share it).
        var rowKeys: [[GridKey]] = []
        var all = Set<GridKey>()
        for batch in perFile {
            var seen: [Double: Int] = [:]
            let keys = batch.raw.map { t in
                let k = seen[t, default: 0]
                seen[t] = k + 1
                return GridKey(time: t, occurrence: k)
            }
            rowKeys.append(keys)
            all.formUnion(keys)
        }
        let grid = all.sorted()
        let position = Dictionary(uniqueKeysWithValues: grid.enumerated().map { ($1, $0) })
        let n = grid.count
        // Per file: the grid row of each of its rows, and its latest row at or before each grid row.
        var latestRow: [[Int?]] = []
        for keys in rowKeys {
            var latest = [Int?](repeating: nil, count: n)
            for (row, key) in keys.enumerated() { latest[position[key]!] = row }
            var last: Int? = nil
            for g in 0..<n {
                if let r = latest[g] { last = r } else { latest[g] = last }
            }
            latestRow.append(latest)
        }
        var slotOf: [Int: Int] = [:]
        var counters = [Int](repeating: 0, count: perFile.count)
        for (s, source) in sources.enumerated() {
            slotOf[s] = counters[source.file]
            counters[source.file] += 1
        }
        func series(_ s: Int) -> [Double?] {
            let source = sources[s]
            let values = perFile[source.file].values[slotOf[s]!]
            let keys = rowKeys[source.file]
            if !source.hold {
                var out = [Double?](repeating: nil, count: n)
                for (row, key) in keys.enumerated() { out[position[key]!] = values[row] }
                return out
            }
            return latestRow[source.file].map { $0.flatMap { values[$0] } }
        }
        func values(_ v: Value) -> [Double?] {
            switch v {
            case .constant(let c): return [Double?](repeating: c, count: n)
            case .source(let s): return series(s)
            }
        }
        func flowSeries(_ flow: Flow) throws -> [Double?] {
            let rate = series(flow.value)
            guard let density = flow.density else { return rate }
            let rho = values(density)
            let source = sources[flow.value]
            return try (0..<n).map { g in
                guard let r = rate[g] else { return nil }
                guard let d = rho[g], d > 0 else {
                    let row = latestRow[source.file][g] ?? 0
                    throw BatchCSVError(file: tables[source.file].path, line: perFile[source.file].lines[row], column: source.name, kind: .noDensity)
                }
                return r / d
            }
        }

        var record = BatchRecord(batchID: id, time: grid.map(\.time))
        for (name, s) in variables {
            if let path = BatchRecord.builtIn(name) { record[keyPath: path] = series(s) } else { record.variables[name] = series(s) }
        }
        record.volumeIsRecordedInput = config.variables?.contains { $0.name == "volume" && $0.recordedInput == true } ?? false
        record.feeds = try feeds.map { feed in
            var substrate = [Double?](repeating: 0, count: n)
            var others: [String: [Double?]] = [:]
            for (substance, value) in feed.carries {
                if substance == "substrate" { substrate = values(value) } else { others[substance] = values(value) }
            }
            var series = FeedSeries(rate: try flowSeries(feed.flow), concentration: substrate)
            series.substances = others
            series.addsVolume = feed.addsVolume
            return series
        }
        record.withdrawals = try withdrawals.map(flowSeries)
        record.evaporation = try evaporation.map(flowSeries)
        return record
    }

    private func strippingCR(_ line: Substring) -> Substring {
        line.hasSuffix("\r") ? line.dropLast() : line
    }
}
