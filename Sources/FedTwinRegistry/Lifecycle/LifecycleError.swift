/// A signature or lifecycle transition the registry refused (each one is audited as
/// `signature-refused` with the code as `reason`). Tests match `code`.
public struct LifecycleError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// The key file names no enrolled person (or no person at all).
        case unknownPerson = "unknown-person"
        /// The passphrase does not open the person's key.
        case wrongPassphrase = "wrong-passphrase"
        /// The key opens but is not the one enrolled for that person.
        case keyMismatch = "key-mismatch"
        case revoked
        /// Too many recent failures: signing is locked for the person for a while.
        case locked
        /// The person lacks the role this meaning needs.
        case missingRole = "missing-role"
        /// Approval of a version whose validation did not pass (or has none).
        case notValidated = "not-validated"
        /// Release of a version nobody approved.
        case notApproved = "not-approved"
        /// Release by the person who approved (four eyes).
        case sameAsApprover = "same-as-approver"
        /// The version is retired, or already in the state asked for.
        case notAllowed = "not-allowed"
    }

    public var code: Code
    public var detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var description: String { "\(code.rawValue): \(detail)" }
}
