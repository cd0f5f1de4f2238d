/// Why the status endpoint could not start; tests match `code`.
public struct StatusServerError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable { case bindFailed = "bind-failed", needsTLS = "needs-tls" }
    public let code: Code
    public let address: String
    public let reason: String

    public var description: String {
        switch code {
        case .bindFailed: return "status endpoint: cannot listen on \(address): \(reason)"
        case .needsTLS: return "status endpoint: will not serve \(address) in the clear: \(reason)"
        }
    }
}
