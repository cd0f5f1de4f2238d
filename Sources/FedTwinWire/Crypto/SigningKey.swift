import Foundation
import COpenSSL

/// An Ed25519 private key: every frame a party sends is signed with it, so each update
/// stays attributable long after the connection that carried it is gone.
public struct SigningKey: Sendable {
    let key: EVPKey
    /// The matching public key.
    public let publicKey: PublicKey

    /// A fresh key from OpenSSL's CSPRNG.
    public static func generate() throws -> SigningKey {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else {
            throw OpenSSLError.drain("EVP_PKEY_CTX_new_id(ED25519)")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw OpenSSLError.drain("EVP_PKEY_keygen_init") }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen(context, &key) == 1, let key else { throw OpenSSLError.drain("EVP_PKEY_keygen") }
        return try SigningKey(key: EVPKey(taking: key))
    }

    /// The key whose RFC 8032 private seed is these 32 bytes. Used for reproducible
    /// protocol test vectors; real identities come from `generate()`.
    public init(seed: [UInt8]) throws {
        guard seed.count == 32 else {
            throw OpenSSLError(operation: "EVP_PKEY_new_raw_private_key", queue: ["Ed25519 seed must be 32 bytes, got \(seed.count)"])
        }
        guard let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, seed, seed.count) else {
            throw OpenSSLError.drain("EVP_PKEY_new_raw_private_key")
        }
        try self.init(key: EVPKey(taking: key))
    }

    /// Parses an unencrypted PKCS#8 `-----BEGIN PRIVATE KEY-----` PEM.
    public init(pemRepresentation pem: String) throws {
        let key = try EVPKey.read(pem: pem, "PEM_read_bio_PrivateKey") { PEM_read_bio_PrivateKey($0, nil, nil, nil) }
        try self.init(key: key)
    }

    init(key: EVPKey) throws {
        self.key = key
        var length = 32
        var raw = [UInt8](repeating: 0, count: 32)
        guard EVP_PKEY_get_raw_public_key(key.pointer, &raw, &length) == 1, length == 32 else {
            throw OpenSSLError.drain("EVP_PKEY_get_raw_public_key")
        }
        self.publicKey = try PublicKey(rawRepresentation: raw)
    }

    /// PKCS#8 PEM, unencrypted: protect the file by its mode (see `KeyFile`).
    public var pemRepresentation: String {
        get throws {
            try key.pem("PEM_write_bio_PrivateKey") {
                PEM_write_bio_PrivateKey($0, key.pointer, nil, nil, 0, nil, nil)
            }
        }
    }

    /// An Ed25519 signature (64 bytes) over `message`. Ed25519 is deterministic: the same
    /// key and message always give the same signature, which keeps test vectors stable.
    public func signature(for message: some ContiguousBytes) throws -> [UInt8] {
        guard let context = EVP_MD_CTX_new() else { throw OpenSSLError.drain("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, nil, nil, key.pointer) == 1 else {
            throw OpenSSLError.drain("EVP_DigestSignInit")
        }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        let ok = message.withUnsafeBytes { msg in
            EVP_DigestSign(context, &signature, &length, msg.bindMemory(to: UInt8.self).baseAddress, msg.count)
        }
        guard ok == 1, length == 64 else { throw OpenSSLError.drain("EVP_DigestSign") }
        return signature
    }
}
