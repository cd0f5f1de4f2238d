#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and writes key files: a private key as PKCS#8 PEM with mode 0600, a public key as
/// SubjectPublicKeyInfo PEM.
///
/// A private key that others can read is no longer private, so loading one refuses it
/// rather than warning: the operator fixes the mode (`chmod 600`) and loses nothing.
public enum KeyFile {
    /// Writes `key` to `path` with mode 0600, refusing to overwrite an existing file.
    public static func writePrivateKey(_ key: SigningKey, to path: String) throws {
        try write(try key.pemRepresentation, to: path, mode: 0o600)
    }

    /// Writes the public key PEM to `path` (mode 0644), refusing to overwrite.
    public static func writePublicKey(_ key: PublicKey, to path: String) throws {
        try write(try key.pemRepresentation, to: path, mode: 0o644)
    }

    /// Loads a private key, refusing it when the group or others may read or write it.
    public static func readPrivateKey(at path: String) throws -> SigningKey {
        let mode = try regularFileMode(path)
        let text = try readText(at: path)
        // A public key is not a private key with loose permissions: say which file is wanted.
        if text.contains("-----BEGIN PUBLIC KEY-----") || text.contains("-----BEGIN CERTIFICATE-----") {
            throw KeyFileError(path: path, problem: .notAPrivateKey)
        }
        if mode & 0o077 != 0 { throw KeyFileError(path: path, problem: .insecurePermissions(mode: mode)) }
        do {
            return try SigningKey(pemRepresentation: text)
        } catch let error as OpenSSLError {
            throw KeyFileError(path: path, problem: .malformed(detail: error.description))
        }
    }

    /// The permission bits of a regular file; throws for a missing file or a directory.
    static func regularFileMode(_ path: String) throws -> UInt32 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw KeyFileError(path: path, problem: .unreadable(errno: errno)) }
        guard UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFREG) else { throw KeyFileError(path: path, problem: .notAFile) }
        return UInt32(info.st_mode) & 0o777
    }

    /// Refuses a private key file that the group or others may access.
    static func checkPrivate(_ path: String) throws {
        let mode = try regularFileMode(path)
        if mode & 0o077 != 0 { throw KeyFileError(path: path, problem: .insecurePermissions(mode: mode)) }
    }

    /// Loads a public key PEM.
    public static func readPublicKey(at path: String) throws -> PublicKey {
        let text = try readText(at: path)
        if text.contains("PRIVATE KEY-----"), (try? SigningKey(pemRepresentation: text)) != nil {
            throw KeyFileError(path: path, problem: .notAPublicKey)
        }
        do {
            return try PublicKey(pemRepresentation: text)
        } catch let error as OpenSSLError {
            throw KeyFileError(path: path, problem: .malformed(detail: error.description))
        }
    }

    /// Loads a TLS certificate PEM (as `fedtwin keygen` writes it next to the key).
    public static func readCertificate(at path: String) throws -> Certificate {
        var info = stat()
        guard stat(path, &info) == 0 else { throw KeyFileError(path: path, problem: .unreadable(errno: errno)) }
        guard UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFREG) else { throw KeyFileError(path: path, problem: .notAFile) }
        do {
            return try Certificate(pemRepresentation: try readText(at: path))
        } catch let error as OpenSSLError {
            throw KeyFileError(path: path, problem: .malformed(detail: "not a PEM certificate: \(error.description)"))
        }
    }

    static func readText(at path: String) throws -> String {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw KeyFileError(path: path, problem: .unreadable(errno: errno)) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = systemRead(fd, &chunk, chunk.count)
            if n < 0 { throw KeyFileError(path: path, problem: .unreadable(errno: errno)) }
            if n == 0 { break }
            bytes += chunk[0..<n]
            // Key files are a few hundred bytes; anything huge is not a key.
            if bytes.count > 64 * 1024 { throw KeyFileError(path: path, problem: .malformed(detail: "file larger than 64 KiB")) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func write(_ text: String, to path: String, mode: mode_t) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else {
            let code = errno
            throw KeyFileError(path: path, problem: code == EEXIST ? .exists : .unwritable(errno: code))
        }
        defer { close(fd) }
        // The umask may have narrowed the mode; set it exactly.
        fchmod(fd, mode)
        let bytes = Array(text.utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if n < 0 { throw KeyFileError(path: path, problem: .unwritable(errno: errno)) }
            written += n
        }
        guard fsync(fd) == 0 else { throw KeyFileError(path: path, problem: .unwritable(errno: errno)) }
    }
}

#if canImport(Glibc)
private let systemWrite = Glibc.write
private let systemRead = Glibc.read
#else
private let systemWrite = Darwin.write
private let systemRead = Darwin.read
#endif

/// A key file that could not be read or written, naming the file and why.
public struct KeyFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case unreadable(errno: Int32)
        case unwritable(errno: Int32)
        case exists
        case insecurePermissions(mode: UInt32)
        case malformed(detail: String)
        /// A directory or device where a key or certificate file was expected.
        case notAFile
        /// A public key or certificate where the private key was expected.
        case notAPrivateKey
        /// A private key where a public key was expected.
        case notAPublicKey
    }

    public var path: String
    public var problem: Problem

    public var description: String {
        switch problem {
        case .unreadable(let code) where code == ENOENT:
            return "\(path) does not exist: check the path (`fedtwin keygen --name NAME` writes NAME.key, NAME.pub and NAME.crt)"
        case .unreadable(let code):
            return "cannot read key file \(path): \(String(cString: strerror(code)))"
        case .unwritable(let code):
            return "cannot write key file \(path): \(String(cString: strerror(code)))"
        case .exists:
            return "key file \(path) already exists; refusing to overwrite it"
        case .insecurePermissions(let mode):
            return "private key \(path) has mode \(String(mode, radix: 8)): group/others may access it; run `chmod 600 \(path)`"
        case .malformed(let detail):
            return "key file \(path) is not a valid Ed25519 PEM key: \(detail)"
        case .notAFile:
            return "\(path) is a directory, not a key file: give the file itself (e.g. \(path)/NAME.key as written by `fedtwin keygen`)"
        case .notAPublicKey:
            return "\(path) holds a private key, not a public key: give the NAME.pub file `fedtwin keygen` wrote (a private key never leaves its owner)"
        case .notAPrivateKey:
            return "\(path) holds a public key or certificate, not a private key: give the NAME.key file `fedtwin keygen` wrote (NAME.pub and NAME.crt are what others receive)"
        }
    }
}
