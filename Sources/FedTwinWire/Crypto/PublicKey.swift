import Foundation
import COpenSSL

/// An Ed25519 public key: what a coordinator enrols for a site and what a site pins for
/// its coordinator.
public struct PublicKey: Sendable, Hashable {
    /// The 32 raw key bytes (RFC 8032 encoding); the fingerprint is computed over these.
    public let rawRepresentation: [UInt8]
    /// SHA-256 of the raw key: a stable name for this identity. Computed once: every frame
    /// sent or opened names its signer by it.
    public let fingerprint: Fingerprint
    let key: EVPKey

    /// Builds a key from its 32 raw bytes.
    public init(rawRepresentation raw: [UInt8]) throws {
        guard raw.count == 32 else {
            throw OpenSSLError(operation: "EVP_PKEY_new_raw_public_key", queue: ["Ed25519 public key must be 32 bytes, got \(raw.count)"])
        }
        guard let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, raw, raw.count) else {
            throw OpenSSLError.drain("EVP_PKEY_new_raw_public_key")
        }
        self.rawRepresentation = raw
        self.fingerprint = Fingerprint(publicKey: raw)
        self.key = EVPKey(taking: key)
    }

    init(key: EVPKey) throws {
        var length = 32
        var raw = [UInt8](repeating: 0, count: 32)
        guard EVP_PKEY_get_raw_public_key(key.pointer, &raw, &length) == 1, length == 32 else {
            throw OpenSSLError.drain("EVP_PKEY_get_raw_public_key")
        }
        self.rawRepresentation = raw
        self.fingerprint = Fingerprint(publicKey: raw)
        self.key = key
    }

    /// Parses a `-----BEGIN PUBLIC KEY-----` (SubjectPublicKeyInfo) PEM.
    public init(pemRepresentation pem: String) throws {
        let key = try EVPKey.read(pem: pem, "PEM_read_bio_PUBKEY") { PEM_read_bio_PUBKEY($0, nil, nil, nil) }
        try self.init(key: key)
    }

    /// SubjectPublicKeyInfo PEM, the format `openssl pkey -pubin` and Python's
    /// `cryptography` read.
    public var pemRepresentation: String {
        get throws { try key.pem("PEM_write_bio_PUBKEY") { PEM_write_bio_PUBKEY($0, key.pointer) } }
    }

    /// Checks an Ed25519 signature over `message` (FedTwin signs 32-byte digests).
    public func isValidSignature(_ signature: some ContiguousBytes, for message: some ContiguousBytes) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key.pointer) == 1 else {
            ERR_clear_error()
            return false
        }
        let ok = signature.withUnsafeBytes { sig in
            message.withUnsafeBytes { msg in
                EVP_DigestVerify(
                    context,
                    sig.bindMemory(to: UInt8.self).baseAddress, sig.count,
                    msg.bindMemory(to: UInt8.self).baseAddress, msg.count)
            }
        }
        if ok != 1 { ERR_clear_error() }
        return ok == 1
    }

    public static func == (lhs: PublicKey, rhs: PublicKey) -> Bool {
        lhs.rawRepresentation == rhs.rawRepresentation
    }

    public func hash(into hasher: inout Swift.Hasher) {
        hasher.combine(rawRepresentation)
    }
}
