import COpenSSL

/// Owns one `EVP_PKEY` and frees it.
///
/// `@unchecked Sendable`: after construction the key is only read (sign, verify, export),
/// which OpenSSL allows from several threads at once for `EVP_PKEY`.
final class EVPKey: @unchecked Sendable {
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { EVP_PKEY_free(pointer) }

    /// Writes the key through a PEM writer into a memory BIO and returns the text.
    func pem(_ operation: String, _ write: (OpaquePointer) -> Int32) throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLError.drain("BIO_new") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw OpenSSLError.drain(operation) }
        var data: UnsafeMutablePointer<CChar>?
        let length = fedtwin_BIO_get_mem_data(bio, &data)
        guard length > 0, let data else { throw OpenSSLError.drain("BIO_get_mem_data") }
        return data.withMemoryRebound(to: UInt8.self, capacity: length) {
            String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
        }
    }

    /// Reads a key from PEM text through the given PEM reader.
    static func read(pem: String, _ operation: String, _ read: (OpaquePointer) -> OpaquePointer?) throws -> EVPKey {
        let bytes = Array(pem.utf8)
        let key: OpaquePointer? = bytes.withUnsafeBytes { buffer in
            guard let bio = BIO_new_mem_buf(buffer.baseAddress, Int32(buffer.count)) else { return nil }
            defer { BIO_free(bio) }
            return read(bio)
        }
        guard let key else { throw OpenSSLError.drain(operation) }
        guard EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 else {
            EVP_PKEY_free(key)
            throw OpenSSLError(operation: operation, queue: ["key is not Ed25519"])
        }
        return EVPKey(taking: key)
    }
}
