/// A batch record lacks something a component needs (distinct from CSV syntax errors,
/// which are ``BatchCSVError`` and carry file/line/column).
public struct BatchDataError: Error, Sendable, Equatable, CustomStringConvertible {
    public var batchID: String
    public var what: String

    public init(batchID: String, what: String) {
        self.batchID = batchID
        self.what = what
    }

    public var description: String { "batch '\(batchID)': \(what)" }
}
