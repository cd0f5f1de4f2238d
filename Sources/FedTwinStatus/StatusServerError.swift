/// Why the status endpoint could not start; tests match `code`.
public struct StatusServerError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable { case bindFailed = "bind-failed" }
    public let code: Code
    public let address: String
    public let reason: String

    public var description: String { "status endpoint: cannot listen on \(address): \(reason)" }
}
