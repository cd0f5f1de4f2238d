import FedTwinWire

/// A person who may sign (`persons/NAME.json`): enrolled like a site, with roles and an
/// Ed25519 key whose private half is in a passphrase-encrypted file only they hold. Kept
/// after revocation so that their past signatures still verify.
public struct Person: Sendable, Codable, Equatable {
    public var name: String
    /// Printed name shown with every signature, e.g. "Dr. Ada Example".
    public var printedName: String
    /// E.g. "qa", "process-owner", "data-scientist".
    public var roles: [String]
    public var publicKey: String
    public var fingerprint: Fingerprint
    public var enrolledAt: String
    public var revokedAt: String?

    public var isRevoked: Bool { revokedAt != nil }

    public init(name: String, printedName: String, roles: [String], publicKey: String, fingerprint: Fingerprint, enrolledAt: String, revokedAt: String? = nil) {
        self.name = name
        self.printedName = printedName
        self.roles = roles
        self.publicKey = publicKey
        self.fingerprint = fingerprint
        self.enrolledAt = enrolledAt
        self.revokedAt = revokedAt
    }

    /// Whether the person could sign at `time` (ISO 8601 UTC strings compare in order).
    public func wasActive(at time: String) -> Bool {
        enrolledAt <= time && (revokedAt.map { time < $0 } ?? true)
    }
}
