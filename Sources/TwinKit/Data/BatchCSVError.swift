/// A batch CSV file could not be loaded. Names the file, the 1-based line and the column
/// so a process scientist can fix the export; the reader returns nothing when it throws.
public struct BatchCSVError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        case unreadable(String)
        case empty
        case missingColumn
        case duplicateColumn
        case unknownUnit(String)
        case wrongFieldCount(expected: Int, actual: Int)
        case missingValue
        case nonNumeric(String)
        case notFinite(String)
        /// A finite number that is not finite once converted to the canonical unit.
        case outOfRange(String, unit: String)
        case timeWentBackwards(previous: Double, current: Double)
        case missingConcentration
    }

    public var file: String
    /// 1-based line number (the header is line 1); 0 when the problem is not in a line.
    public var line: Int
    /// Column name concerned, if any.
    public var column: String?
    public var kind: Kind

    public init(file: String, line: Int, column: String?, kind: Kind) {
        self.file = file
        self.line = line
        self.column = column
        self.kind = kind
    }

    public var description: String {
        let place = "\(file):\(line)" + (column.map { " column '\($0)'" } ?? "")
        let what: String
        switch kind {
        case let .unreadable(reason): what = "cannot read file: \(reason)"
        case .empty: what = "file has no header line"
        case .missingColumn: what = "mapped column is missing from the header"
        case .duplicateColumn: what = "column appears twice in the header"
        case let .unknownUnit(unit): what = "unknown unit '\(unit)'"
        case let .wrongFieldCount(expected, actual): what = "expected \(expected) fields, found \(actual)"
        case .missingValue: what = "required value is empty"
        case let .nonNumeric(cell): what = "'\(cell)' is not a number"
        case let .notFinite(cell): what = "'\(cell)' is not a finite number (NaN/inf are not allowed; leave the cell empty if not sampled)"
        case let .outOfRange(cell, unit): what = "'\(cell)' \(unit) is out of range: it is not a finite number in canonical units"
        case let .timeWentBackwards(previous, current): what = "time goes backwards within the batch (\(current) h after \(previous) h)"
        case .missingConcentration: what = "feed has neither a concentration column nor a fixed concentration"
        }
        return "\(place): \(what)"
    }
}
