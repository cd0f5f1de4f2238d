import FedTwinWire

/// A site's enrolment: the key the coordinator accepts from it. Kept after revocation so
/// that old updates it signed can still be verified.
public struct EnrolledSite: Sendable, Codable, Equatable {
    public var name: String
    /// Raw Ed25519 public key, hex.
    public var publicKey: String
    public var fingerprint: Fingerprint
    public var enrolledAt: String
    /// Set when revoked: hellos from this key are refused from then on.
    public var revokedAt: String?

    public init(name: String, publicKey: String, fingerprint: Fingerprint, enrolledAt: String, revokedAt: String? = nil) {
        self.name = name
        self.publicKey = publicKey
        self.fingerprint = fingerprint
        self.enrolledAt = enrolledAt
        self.revokedAt = revokedAt
    }

    public var isRevoked: Bool { revokedAt != nil }

    public func key() throws -> PublicKey {
        guard let raw = Hex.decode(publicKey) else {
            throw RegistryError(path: "sites/\(name).json", problem: "publicKey is not hex")
        }
        return try PublicKey(rawRepresentation: raw)
    }
}
