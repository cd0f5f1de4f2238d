import COpenSSL
import Foundation

/// A self-signed X.509 certificate for an Ed25519 identity, used only to carry the key
/// through a TLS 1.3 handshake: trust comes from pinning the key's fingerprint (enrolment
/// on the coordinator, the pinned fingerprint on a site), not from a CA.
public struct Certificate: Sendable {
    let x509: X509Box
    /// The certified public key.
    public let publicKey: PublicKey

    /// Makes and signs a certificate for `key` with subject CN=`name`, valid from now for
    /// `days` (or from `notBeforeOffsetDays` relative to now, for tests of expiry).
    public static func selfSigned(for key: SigningKey, name: String, days: Int = 3650, notBeforeOffsetDays: Int = 0) throws -> Certificate {
        guard let x509 = X509_new() else { throw OpenSSLError.drain("X509_new") }
        let box = X509Box(x509)
        guard X509_set_version(x509, 2) == 1 else { throw OpenSSLError.drain("X509_set_version") }
        var serial = [UInt8](repeating: 0, count: 8)
        guard RAND_bytes(&serial, 8) == 1 else { throw OpenSSLError.drain("RAND_bytes") }
        serial[0] &= 0x7f
        let serialValue = serial.reduce(0) { ($0 << 8) | Int($1) }
        guard ASN1_INTEGER_set(X509_get_serialNumber(x509), serialValue) == 1 else { throw OpenSSLError.drain("ASN1_INTEGER_set") }
        let day: Int = 24 * 3600
        guard X509_gmtime_adj(X509_getm_notBefore(x509), notBeforeOffsetDays * day) != nil,
              X509_gmtime_adj(X509_getm_notAfter(x509), (notBeforeOffsetDays + days) * day) != nil else {
            throw OpenSSLError.drain("X509_gmtime_adj")
        }
        guard X509_set_pubkey(x509, key.key.pointer) == 1 else { throw OpenSSLError.drain("X509_set_pubkey") }
        guard let subject = X509_get_subject_name(x509),
              X509_NAME_add_entry_by_txt(subject, "CN", fedtwin_MBSTRING_ASC(), name, -1, -1, 0) == 1,
              X509_set_issuer_name(x509, subject) == 1 else {
            throw OpenSSLError.drain("X509_NAME_add_entry_by_txt")
        }
        // Ed25519 signs without a separate digest.
        guard X509_sign(x509, key.key.pointer, nil) > 0 else { throw OpenSSLError.drain("X509_sign") }
        return Certificate(x509: box, publicKey: key.publicKey)
    }

    init(x509: X509Box, publicKey: PublicKey) {
        self.x509 = x509
        self.publicKey = publicKey
    }

    /// Parses a PEM certificate; its key must be Ed25519.
    public init(pemRepresentation pem: String) throws {
        let bytes = Array(pem.utf8)
        let parsed: OpaquePointer? = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_X509(bio, nil, nil, nil)
        }
        guard let parsed else { throw OpenSSLError.drain("PEM_read_bio_X509") }
        let box = X509Box(parsed)
        self.x509 = box
        self.publicKey = try box.publicKey()
    }

    public var pemRepresentation: String {
        get throws {
            guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLError.drain("BIO_new") }
            defer { BIO_free(bio) }
            guard PEM_write_bio_X509(bio, x509.pointer) == 1 else { throw OpenSSLError.drain("PEM_write_bio_X509") }
            var data: UnsafeMutablePointer<CChar>?
            let length = fedtwin_BIO_get_mem_data(bio, &data)
            guard length > 0, let data else { throw OpenSSLError.drain("BIO_get_mem_data") }
            return data.withMemoryRebound(to: UInt8.self, capacity: length) {
                String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
            }
        }
    }

    /// False once the certificate's notAfter has passed (or before its notBefore).
    public var isCurrentlyValid: Bool { x509.isCurrentlyValid }

    /// The raw `X509*`, for TLS contexts (borrowed; the certificate keeps ownership).
    public var unsafePointer: OpaquePointer { x509.pointer }
}

/// Owns an `X509*`. `@unchecked Sendable`: only read after construction.
final class X509Box: @unchecked Sendable {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    deinit { X509_free(pointer) }

    func publicKey() throws -> PublicKey {
        guard let key = X509_get_pubkey(pointer) else { throw OpenSSLError.drain("X509_get_pubkey") }
        guard EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 else {
            EVP_PKEY_free(key)
            throw OpenSSLError(operation: "X509_get_pubkey", queue: ["certificate key is not Ed25519"])
        }
        return try PublicKey(key: EVPKey(taking: key))
    }

    var isCurrentlyValid: Bool {
        guard let notBefore = X509_get0_notBefore(pointer), let notAfter = X509_get0_notAfter(pointer) else { return false }
        return X509_cmp_current_time(notBefore) < 0 && X509_cmp_current_time(notAfter) > 0
    }
}

extension Certificate {
    /// The Ed25519 key of a peer certificate presented in a TLS handshake (an owned `X509*`
    /// from `SSL_get1_peer_certificate`, which this takes over), with its validity.
    public static func peer(taking pointer: OpaquePointer) throws -> (key: PublicKey, currentlyValid: Bool) {
        let box = X509Box(pointer)
        return (try box.publicKey(), box.isCurrentlyValid)
    }
}

extension SigningKey {
    /// The raw `EVP_PKEY*`, for TLS contexts (borrowed).
    public var unsafePointer: OpaquePointer { key.pointer }
}
