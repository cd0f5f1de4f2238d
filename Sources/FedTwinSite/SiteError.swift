/// Why a site worker stopped or refused something, with the file, key or peer concerned.
public struct SiteError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case configuration(file: String, key: String?, problem: String)
        /// The coordinator presented a key whose fingerprint is not the pinned one.
        case coordinatorKeyMismatch(pinned: String, presented: String)
        /// The coordinator refused this site for a reason retrying cannot fix.
        case refused(code: String, reason: String)
        case unknownComponent(String)
        /// A component spec file that does not load or contradicts `--component`.
        case componentSpec(String)
        case protocolViolation(String)
    }

    public var problem: Problem

    public init(_ problem: Problem) { self.problem = problem }

    public var description: String {
        switch problem {
        case .configuration(let file, let key, let problem):
            return key.map { "\(file): key '\($0)': \(problem)" } ?? "\(file): \(problem)"
        case .coordinatorKeyMismatch(let pinned, let presented):
            return "coordinator presented key \(presented.prefix(16)), but this site pins \(pinned.prefix(16)): refusing to talk to it"
        case .refused(let code, let reason):
            return "coordinator refused this site (\(code)): \(reason)"
        case .unknownComponent(let id):
            return "unknown component '\(id)' (known: \(ComponentCatalog.ids.joined(separator: ", ")))"
        case .componentSpec(let detail):
            return detail
        case .protocolViolation(let detail):
            return "protocol violation by the coordinator: \(detail)"
        }
    }
}
