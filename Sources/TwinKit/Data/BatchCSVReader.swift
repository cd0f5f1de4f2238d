import Foundation

/// Reads batch records from a CSV file (one row per batch and time) using a ``ColumnMapping``.
///
/// All-or-nothing: the first problem throws a ``BatchCSVError`` naming file, line and
/// column, and no records are returned — a twin trained on half a file is worse than none.
/// Rows of one batch need not be contiguous; within a batch, time must not decrease.
/// Empty cells mean "not sampled". Batches are returned in order of first appearance.
public struct BatchCSVReader: Sendable {
    public var mapping: ColumnMapping

    public init(mapping: ColumnMapping) {
        self.mapping = mapping
    }

    /// Reads a file from disk.
    public func read(contentsOf url: URL) throws -> [BatchRecord] {
        // A missing, compressed or unreadable file is an `InputFileError` naming it.
        let data = try InputFile.read(url, what: "batch CSV")
        guard let text = String(data: data, encoding: .utf8) else {
            throw BatchCSVError(file: url.path, line: 0, column: nil, kind: .unreadable("not UTF-8 text: export the CSV as UTF-8"))
        }
        return try read(text: text, file: url.lastPathComponent)
    }

    /// Where parsed values of one mapped column go.
    private enum Slot: Hashable {
        case biomass, substrate, product, volume, temperature, pH, dissolvedOxygen
        case feedRate(Int), feedConcentration(Int), withdrawal(Int)
    }

    private struct Resolved {
        var slot: Slot
        var index: Int
        var name: String
        var unit: String
        var conversion: UnitConversion
    }

    private struct Accumulator {
        var time: [Double] = []
        var values: [Slot: [Double?]] = [:]
        var lastLine = 0
    }

    /// Parses CSV text; `file` is only used in error messages.
    public func read(text: String, file: String) throws -> [BatchRecord] {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        guard let headerLine = lines.first, !headerLine.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw BatchCSVError(file: file, line: 1, column: nil, kind: .empty)
        }
        let header = CSVLineSplitter.split(Self.strippingCR(headerLine)).map { $0.trimmingCharacters(in: .whitespaces) }
        var columnIndex: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            if columnIndex[name] != nil {
                throw BatchCSVError(file: file, line: 1, column: name, kind: .duplicateColumn)
            }
            columnIndex[name] = i
        }
        func index(of column: String) throws -> Int {
            guard let i = columnIndex[column] else {
                throw BatchCSVError(file: file, line: 1, column: column, kind: .missingColumn)
            }
            return i
        }
        func resolve(_ ref: ColumnRef?, _ slot: Slot, _ quantity: UnitConversion.Quantity) throws -> Resolved? {
            guard let ref else { return nil }
            let i = try index(of: ref.column)
            guard let conversion = UnitConversion.of(ref.unit, for: quantity) else {
                throw BatchCSVError(file: file, line: 1, column: ref.column, kind: .unknownUnit(ref.unit))
            }
            return Resolved(slot: slot, index: i, name: ref.column, unit: ref.unit, conversion: conversion)
        }

        let idIndex = try index(of: mapping.batchID)
        guard let timeResolved = try resolve(mapping.time, .biomass, .time) else { fatalError("time is not optional") }
        var resolved: [Resolved] = []
        let singles: [(ColumnRef?, Slot, UnitConversion.Quantity)] = [
            (mapping.biomass, .biomass, .concentration), (mapping.substrate, .substrate, .concentration),
            (mapping.product, .product, .concentration), (mapping.volume, .volume, .volume),
            (mapping.temperature, .temperature, .temperature), (mapping.pH, .pH, .pH),
            (mapping.dissolvedOxygen, .dissolvedOxygen, .percent),
        ]
        for (ref, slot, quantity) in singles {
            if let r = try resolve(ref, slot, quantity) { resolved.append(r) }
        }
        var fixedConcentrations: [Int: Double] = [:]
        for (f, feed) in mapping.feeds.enumerated() {
            if let r = try resolve(feed.rate, .feedRate(f), .flow) { resolved.append(r) }
            if let conc = feed.concentration {
                if let r = try resolve(conc, .feedConcentration(f), .concentration) { resolved.append(r) }
            } else if let fixed = feed.fixedConcentration {
                let unit = feed.fixedConcentrationUnit ?? "g/L"
                guard let conversion = UnitConversion.of(unit, for: .concentration) else {
                    throw BatchCSVError(file: file, line: 0, column: feed.rate.column, kind: .unknownUnit(unit))
                }
                let canonical = conversion.toCanonical(fixed)
                guard canonical.isFinite else {
                    throw BatchCSVError(file: file, line: 0, column: feed.rate.column,
                                        kind: .outOfRange("\(fixed)", unit: unit))
                }
                fixedConcentrations[f] = canonical
            } else {
                throw BatchCSVError(file: file, line: 0, column: feed.rate.column, kind: .missingConcentration)
            }
        }
        for (w, ref) in mapping.withdrawals.enumerated() {
            if let r = try resolve(ref, .withdrawal(w), .flow) { resolved.append(r) }
        }

        var order: [String] = []
        var batches: [String: Accumulator] = [:]
        for lineNumber in 2...max(2, lines.count) where lineNumber <= lines.count {
            let raw = Self.strippingCR(lines[lineNumber - 1])
            let fields = CSVLineSplitter.split(raw)
            guard fields.count == header.count else {
                throw BatchCSVError(file: file, line: lineNumber, column: nil,
                                    kind: .wrongFieldCount(expected: header.count, actual: fields.count))
            }
            let id = fields[idIndex].trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty else {
                throw BatchCSVError(file: file, line: lineNumber, column: mapping.batchID, kind: .missingValue)
            }
            guard let t = try Self.number(fields[timeResolved.index], timeResolved, file: file, line: lineNumber) else {
                throw BatchCSVError(file: file, line: lineNumber, column: timeResolved.name, kind: .missingValue)
            }
            var acc = batches[id] ?? Accumulator()
            if acc.time.isEmpty { order.append(id) }
            if let previous = acc.time.last, t < previous {
                throw BatchCSVError(file: file, line: lineNumber, column: timeResolved.name,
                                    kind: .timeWentBackwards(previous: previous, current: t))
            }
            acc.time.append(t)
            for r in resolved {
                let v = try Self.number(fields[r.index], r, file: file, line: lineNumber)
                acc.values[r.slot, default: []].append(v)
            }
            acc.lastLine = lineNumber
            batches[id] = acc
        }

        return order.map { id in
            let acc = batches[id]!
            var record = BatchRecord(batchID: id, time: acc.time)
            let none = [Double?](repeating: nil, count: acc.time.count)
            func series(_ slot: Slot) -> [Double?] { acc.values[slot] ?? none }
            record.biomass = series(.biomass)
            record.substrate = series(.substrate)
            record.product = series(.product)
            record.volume = series(.volume)
            record.temperature = series(.temperature)
            record.pH = series(.pH)
            record.dissolvedOxygen = series(.dissolvedOxygen)
            record.feeds = mapping.feeds.indices.map { f in
                let conc = fixedConcentrations[f].map { c in [Double?](repeating: c, count: acc.time.count) }
                return FeedSeries(rate: series(.feedRate(f)), concentration: conc ?? series(.feedConcentration(f)))
            }
            record.withdrawals = mapping.withdrawals.indices.map { series(.withdrawal($0)) }
            return record
        }
    }

    private static func strippingCR(_ line: Substring) -> Substring {
        line.hasSuffix("\r") ? line.dropLast() : line
    }

    /// Empty → nil; otherwise a number finite both as written and in canonical units, or an
    /// error. The second check matters because conversion scales: `1e307` g/mL is finite in
    /// the file but +inf in g/L, and one infinite cell would turn a whole training run to NaN.
    private static func number(_ cell: String, _ column: Resolved, file: String, line: Int) throws -> Double? {
        if cell.isEmpty { return nil }
        guard let value = try parsed(cell, file: file, line: line, column: column.name) else { return nil }
        let canonical = column.conversion.toCanonical(value)
        guard canonical.isFinite else {
            throw BatchCSVError(file: file, line: line, column: column.name,
                                kind: .outOfRange(cell.trimmingCharacters(in: .whitespaces), unit: column.unit))
        }
        return canonical
    }

    /// Empty → nil; otherwise a finite number as written, or an error.
    static func parsed(_ cell: String, file: String, line: Int, column: String) throws -> Double? {
        if let v = Double(cell), v.isFinite { return v } // fast path for clean numeric cells
        let trimmed = cell.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return nil }
        guard let v = Double(trimmed) else {
            throw BatchCSVError(file: file, line: line, column: column, kind: .nonNumeric(trimmed))
        }
        guard v.isFinite else {
            throw BatchCSVError(file: file, line: line, column: column, kind: .notFinite(trimmed))
        }
        return v
    }
}
