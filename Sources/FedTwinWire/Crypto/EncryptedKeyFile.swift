import Foundation
import COpenSSL

/// A person's signing key: Ed25519 in a passphrase-encrypted PKCS#8 PEM (AES-256-CBC,
/// OpenSSL's PBKDF2 defaults). The file and the passphrase are the two components an
/// electronic signature needs (21 CFR 11.200): neither alone signs.
///
/// The file starts with a `FedTwin-Person: NAME` line before the PEM block (OpenSSL skips
/// text before `-----BEGIN`), so a refused attempt can be attributed to the person even
/// when the passphrase is wrong and the key cannot be opened.
public enum EncryptedKeyFile {
    static let header = "FedTwin-Person: "

    /// The PEM text for `key` encrypted under `passphrase`, naming `person`.
    public static func text(_ key: SigningKey, person: String, passphrase: String) throws -> String {
        guard !passphrase.isEmpty else { throw EncryptedKeyError(code: .emptyPassphrase) }
        let pem = try key.key.pem("PEM_write_bio_PKCS8PrivateKey") { bio in
            passphrase.withCString { pass in
                PEM_write_bio_PKCS8PrivateKey(bio, key.key.pointer, EVP_aes_256_cbc(), pass, Int32(passphrase.utf8.count), nil, nil)
            }
        }
        return header + person + "\n" + pem
    }

    /// Writes the encrypted key to `path` (mode 0600), refusing to overwrite.
    public static func write(_ key: SigningKey, person: String, passphrase: String, to path: String) throws {
        try KeyFile.write(try text(key, person: person, passphrase: passphrase), to: path, mode: 0o600)
    }

    /// The person a key file names, readable without the passphrase.
    public static func person(inText text: String) -> String? {
        guard text.hasPrefix(header), let line = text.split(separator: "\n", maxSplits: 1).first else { return nil }
        let name = String(line.dropFirst(header.count)).trimmingCharacters(in: .whitespaces)
        return name.isEmpty ? nil : name
    }

    /// Opens the key with `passphrase`; a wrong one throws code `wrongPassphrase`.
    public static func open(text: String, passphrase: String) throws -> SigningKey {
        guard text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----") else { throw EncryptedKeyError(code: .notEncrypted) }
        var pass = Array(passphrase.utf8CString)
        do {
            let key = try pass.withUnsafeMutableBytes { buffer in
                try EVPKey.read(pem: text, "PEM_read_bio_PrivateKey") { PEM_read_bio_PrivateKey($0, nil, nil, buffer.baseAddress) }
            }
            return try SigningKey(key: key)
        } catch is OpenSSLError {
            throw EncryptedKeyError(code: .wrongPassphrase)
        }
    }

    /// Reads the file at `path` (refusing group/other access, as for any private key).
    public static func readText(at path: String) throws -> String {
        try KeyFile.checkPrivate(path)
        return try KeyFile.readText(at: path)
    }
}

/// Why an encrypted key file could not be opened. Tests match `code`.
public struct EncryptedKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable {
        /// The passphrase does not decrypt the key (or the file was altered).
        case wrongPassphrase = "wrong-passphrase"
        /// A plain `PRIVATE KEY` PEM: persons' keys must be encrypted.
        case notEncrypted = "not-encrypted"
        case emptyPassphrase = "empty-passphrase"
    }

    public var code: Code

    public init(code: Code) { self.code = code }

    public var description: String {
        switch code {
        case .wrongPassphrase: return "the passphrase does not open this key"
        case .notEncrypted: return "not a passphrase-encrypted key (-----BEGIN ENCRYPTED PRIVATE KEY-----)"
        case .emptyPassphrase: return "an empty passphrase is not allowed"
        }
    }
}
