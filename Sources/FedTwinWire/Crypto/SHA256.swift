import Foundation
import COpenSSL

/// SHA-256 through OpenSSL's EVP interface.
///
/// Content ids, fingerprints and the frame signature input all use it; one implementation
/// keeps them consistent with what an independent checker computes.
public enum SHA256 {
    /// Digest length in bytes.
    public static let byteCount = 32

    /// Hashes a contiguous buffer in one call.
    public static func hash(_ buffer: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = Hasher()
        hasher.update(buffer)
        return hasher.finalize()
    }

    /// Hashes any contiguous byte collection.
    public static func hash<Bytes: ContiguousBytes>(_ bytes: Bytes) -> [UInt8] {
        bytes.withUnsafeBytes { hash($0) }
    }

    /// Lower-case hex of the digest: the form content ids take on disk and in headers.
    public static func hex<Bytes: ContiguousBytes>(_ bytes: Bytes) -> String {
        Hex.encode(hash(bytes))
    }

    /// Incremental SHA-256, for inputs assembled from several buffers (domain tag + frame).
    ///
    /// Confined to one task: the underlying `EVP_MD_CTX` is not thread-safe.
    public struct Hasher: ~Copyable {
        private let context: OpaquePointer

        public init() {
            guard let context = EVP_MD_CTX_new() else {
                fatalError("EVP_MD_CTX_new failed: out of memory")
            }
            guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
                fatalError("\(OpenSSLError.drain("EVP_DigestInit_ex(sha256)"))")
            }
            self.context = context
        }

        public mutating func update(_ buffer: UnsafeRawBufferPointer) {
            guard buffer.count > 0, let base = buffer.baseAddress else { return }
            guard EVP_DigestUpdate(context, base, buffer.count) == 1 else {
                fatalError("\(OpenSSLError.drain("EVP_DigestUpdate"))")
            }
        }

        public mutating func update<Bytes: ContiguousBytes>(_ bytes: Bytes) {
            bytes.withUnsafeBytes { update($0) }
        }

        public consuming func finalize() -> [UInt8] {
            var digest = [UInt8](repeating: 0, count: SHA256.byteCount)
            var length: UInt32 = 0
            guard EVP_DigestFinal_ex(context, &digest, &length) == 1, length == 32 else {
                fatalError("\(OpenSSLError.drain("EVP_DigestFinal_ex"))")
            }
            return digest
        }

        deinit { EVP_MD_CTX_free(context) }
    }
}
