/// A site profile value is outside what the simulator can meaningfully run.
public struct SiteProfileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// JSON path of the offending field, e.g. `operating.feedRate`.
    public var field: String
    public var reason: String

    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    public var description: String { "profile field '\(field)': \(reason)" }
}
