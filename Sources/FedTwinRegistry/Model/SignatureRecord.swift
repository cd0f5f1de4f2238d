import FedTwinWire

/// An electronic signature (21 CFR 11.50/11.70): who (printed name, key), when (UTC), what
/// it means, and the SHA-256 of exactly what was signed — for a version, its manifest and
/// its validation record — so the record cannot be moved to another version or plan.
/// Stored as `signatures/NNNNNN.json` (a global sequence, never rewritten).
public struct SignatureRecord: Sendable, Codable, Equatable {
    public enum Meaning: String, Sendable, Codable, Equatable, CaseIterable {
        case authored, reviewed, approved, released, retired
    }

    public enum SubjectKind: String, Sendable, Codable, Equatable {
        case version, plan
    }

    public var format: Int
    /// Position in the store's sequence of signatures: the order of lifecycle events.
    public var seq: Int
    public var person: String
    public var printedName: String
    /// The role the person signed in.
    public var role: String
    public var fingerprint: Fingerprint
    /// UTC, ISO 8601 with milliseconds.
    public var time: String
    public var meaning: Meaning
    public var reason: String?
    /// Release channel, for `released` signatures only (retiring takes a version out of
    /// every channel).
    public var channel: String?
    public var subject: SubjectKind
    /// Version number or plan version.
    public var number: Int
    /// Hex SHA-256 over what was signed (see `Registry.signedHash`).
    public var signedHash: String
    /// Ed25519 of the person over SHA-256("FedTwin e-signature v1" ‖ 0 ‖ this record without
    /// `signature`), hex.
    public var signature: String

    static let domain = "FedTwin e-signature v1"

    /// The bytes the person's signature covers: the record with an empty signature.
    func signedBytes() throws -> [UInt8] {
        var copy = self
        copy.signature = ""
        return try Canonical.encoder.encode(copy).bytes
    }

    func signatureValid(with key: PublicKey) -> Bool {
        guard let sig = Hex.decode(signature), let bytes = try? signedBytes() else { return false }
        return key.isValidSignature(sig, for: Canonical.digest(domain: Self.domain, bytes))
    }
}
