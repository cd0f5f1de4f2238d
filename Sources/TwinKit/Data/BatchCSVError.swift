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
        /// A negative flow; `declared` says whether a sign convention was declared.
        case negativeFlow(String, declared: Bool)
        /// A positive value in a flow declared as logged negative.
        case positiveFlowDeclaredNegative(String)
        /// The column is in several joined files: say which with `file`.
        case ambiguousColumn([String])
        case badTimestamp(String)
        /// A batch of this file that `missingFrom` lacks (with `missingBatches: "refuse"`).
        case batchNotInAllFiles(batch: String, missingFrom: String)
        /// A mass flow at a time with no density logged.
        case noDensity
        /// A timestamp earlier than the batch start.
        case beforeBatchStart(String)
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
        case let .negativeFlow(cell, declared):
            what = declared ? "flow '\(cell)' is negative but the flow is declared `\"sign\": \"positive\"`"
                : "flow '\(cell)' is negative and no sign convention is declared: add `\"sign\": \"negative\"` if the plant logs this flow negative"
        case .positiveFlowDeclaredNegative(let cell): what = "flow '\(cell)' is positive but the flow is declared `\"sign\": \"negative\"`"
        case .ambiguousColumn(let files): what = "column is in several files (\(files.joined(separator: ", "))): give `file`"
        case .badTimestamp(let cell): what = "'\(cell)' is not a timestamp (YYYY-MM-DD HH:MM[:SS] or ISO 8601)"
        case let .batchNotInAllFiles(batch, file): what = "batch '\(batch)' is not in \(file) (set `\"missingBatches\": \"drop\"` to drop such batches)"
        case .noDensity: what = "mass flow logged at a time with no density"
        case .beforeBatchStart(let cell): what = "timestamp '\(cell)' is before the batch start"
        }
        return "\(place): \(what)"
    }
}
