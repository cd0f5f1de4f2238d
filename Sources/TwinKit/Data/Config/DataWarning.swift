/// Something the reader did to data without refusing it, said once so the person running
/// the site knows (printed by `fedtwin data check`, logged by the site worker).
public struct DataWarning: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// With `missingBatches: "drop"`: batches not present in every file, dropped.
        case droppedBatches([String], missingFrom: String)
    }

    public var kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var description: String {
        switch kind {
        case let .droppedBatches(ids, file):
            return "dropped \(ids.count) batch(es) that \(file) lacks: \(ids.joined(separator: ", "))"
        }
    }
}
