import FedTwinWire
import Foundation

/// One line of `audit.log`. Entries are hash-chained (`prev` is the previous entry's
/// `hash`), and the last entry of every append (a batch, or an entry appended alone) is
/// signed by the coordinator. A signature covers every entry before it through the chain,
/// so one per batch keeps Ed25519 off the per-entry cost of a round's commit path while
/// editing, removing or reordering any entry is still detected by `fedtwin audit verify`.
public struct AuditEntry: Sendable, Codable, Equatable {
    public var seq: Int
    /// UTC, ISO 8601 with milliseconds.
    public var time: String
    /// An ``AuditEvent`` raw value ("enrol", "session-open", "frame-refused", "version-committed",
    /// …); kept as text so an entry from a later version with an event this build does not
    /// know still reads and verifies (``kind`` is then nil).
    public var event: String
    /// Event details as text (numbers as decimal strings): re-encoding them is exact.
    public var data: [String: String]
    /// Hash of the previous entry (64 zeros for the first).
    public var prev: String
    /// SHA-256("FedTwin audit v1\0" ‖ body), body = this entry without hash and sig, JSON, sorted keys.
    public var hash: String
    /// Ed25519 signature of the coordinator over the 32 hash bytes, hex. Only on the last
    /// entry of an append; nil (no `sig` key in the line) on the earlier entries of a batch,
    /// which the signed entry covers through `prev`.
    public var sig: String?

    public static let genesis = String(repeating: "0", count: 64)
    static let domain: [UInt8] = Array("FedTwin audit v1".utf8) + [0]

    struct Body: Codable {
        var seq: Int
        var time: String
        var event: String
        var data: [String: String]
        var prev: String
    }

    /// Builds the entry that follows `prev`, signed by `signer`; with a nil `signer` it is
    /// left unsigned, for the earlier entries of a batch whose last entry is signed.
    public static func make(seq: Int, time: String, event: String, data: [String: String], prev: String, signer: SigningKey?) throws -> AuditEntry {
        let digest = try bodyDigest(Body(seq: seq, time: time, event: event, data: data, prev: prev))
        return AuditEntry(seq: seq, time: time, event: event, data: data, prev: prev, hash: Hex.encode(digest),
                          sig: try signer.map { Hex.encode(try $0.signature(for: digest)) })
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

    /// True when the entry carries a signature and it verifies with `key` (false for an
    /// unsigned entry: whether one is allowed depends on what follows it).
    func signatureValid(with key: PublicKey) -> Bool {
        guard let sig, let digest = Hex.decode(hash), let signature = Hex.decode(sig) else { return false }
        return key.isValidSignature(signature, for: digest)
    }
}
