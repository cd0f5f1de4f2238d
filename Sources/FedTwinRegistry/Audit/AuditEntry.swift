import FedTwinWire
import Foundation

/// One line of `audit.log`. Entries are hash-chained (`prev` is the previous entry's
/// `hash`) and each is signed by the coordinator, so editing, removing or reordering any
/// entry is detected by `fedtwin audit verify`.
public struct AuditEntry: Sendable, Codable, Equatable {
    public var seq: Int
    /// UTC, ISO 8601 with milliseconds.
    public var time: String
    /// E.g. "enrol", "revoke", "session-open", "hello-refused", "task-sent", "update-accepted",
    /// "update-refused", "round-retried", "version-committed", "evaluations-recorded".
    public var event: String
    /// Event details as text (numbers as decimal strings): re-encoding them is exact.
    public var data: [String: String]
    /// Hash of the previous entry (64 zeros for the first).
    public var prev: String
    /// SHA-256("FedTwin audit v1\0" ‖ body), body = this entry without hash and sig, JSON, sorted keys.
    public var hash: String
    /// Ed25519 signature of the coordinator over the 32 hash bytes, hex.
    public var sig: String

    public static let genesis = String(repeating: "0", count: 64)
    static let domain: [UInt8] = Array("FedTwin audit v1".utf8) + [0]

    struct Body: Codable {
        var seq: Int
        var time: String
        var event: String
        var data: [String: String]
        var prev: String
    }

    /// Builds and signs the entry that follows `prev`.
    public static func make(seq: Int, time: String, event: String, data: [String: String], prev: String, signer: SigningKey) throws -> AuditEntry {
        let digest = try bodyDigest(Body(seq: seq, time: time, event: event, data: data, prev: prev))
        return AuditEntry(seq: seq, time: time, event: event, data: data, prev: prev, hash: Hex.encode(digest),
                          sig: Hex.encode(try signer.signature(for: digest)))
    }

    static func bodyDigest(_ body: Body) throws -> [UInt8] {
        let bytes = try Canonical.encoder.encode(body)
        var hasher = SHA256.Hasher()
        hasher.update(domain)
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Recomputes the hash from the fields; nil when it matches.
    func hashProblem() -> String? {
        guard let digest = try? Self.bodyDigest(Body(seq: seq, time: time, event: event, data: data, prev: prev)) else {
            return "entry cannot be re-encoded"
        }
        return Hex.encode(digest) == hash ? nil : "hash does not match the entry's content (edited?)"
    }

    func signatureValid(with key: PublicKey) -> Bool {
        guard let digest = Hex.decode(hash), let signature = Hex.decode(sig) else { return false }
        return key.isValidSignature(signature, for: digest)
    }
}
