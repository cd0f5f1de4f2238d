import Foundation
import Testing
@testable import FedTwinWire

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Ed25519 keys")
struct KeyTests {
    @Test func generateSignVerify() throws {
        let key = try SigningKey.generate()
        let message = Array("round 3 update".utf8)
        let signature = try key.signature(for: message)
        #expect(signature.count == 64)
        #expect(key.publicKey.rawRepresentation.count == 32)
        #expect(key.publicKey.isValidSignature(signature, for: message))
        // Another message, another key, or a damaged signature must not verify.
        #expect(!key.publicKey.isValidSignature(signature, for: Array("round 4 update".utf8)))
        #expect(!(try SigningKey.generate()).publicKey.isValidSignature(signature, for: message))
        var damaged = signature
        damaged[5] ^= 0x10
        #expect(!key.publicKey.isValidSignature(damaged, for: message))
        #expect(!key.publicKey.isValidSignature(Array(signature.prefix(63)), for: message))
    }

    @Test func generatedKeysDiffer() throws {
        #expect(try SigningKey.generate().publicKey != SigningKey.generate().publicKey)
    }

    /// RFC 8032 §7.1, tests 1 and 2: the seed fixes the key, and Ed25519 is deterministic.
    @Test(arguments: [
        ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
         "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
         "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
        ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
         "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
         "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ])
    func rfc8032Vectors(seed: String, publicKey: String, message: String, signature: String) throws {
        let key = try SigningKey(seed: try #require(Hex.decode(seed)))
        #expect(Hex.encode(key.publicKey.rawRepresentation) == publicKey)
        let msg = try #require(Hex.decode(message))
        #expect(Hex.encode(try key.signature(for: msg)) == signature)
        #expect(Hex.encode(try key.signature(for: msg)) == signature, "signing twice must give the same bytes")
        let verifier = try PublicKey(rawRepresentation: try #require(Hex.decode(publicKey)))
        #expect(verifier.isValidSignature(try #require(Hex.decode(signature)), for: msg))
    }

    @Test func deterministicFromSeed() throws {
        let seed = SHA256.hash(Array("seed".utf8))
        let one = try SigningKey(seed: seed), two = try SigningKey(seed: seed)
        #expect(one.publicKey == two.publicKey)
        let digest = SHA256.hash(Array("frame".utf8))
        #expect(try one.signature(for: digest) == two.signature(for: digest))
        #expect(try SigningKey(seed: SHA256.hash(Array("other".utf8))).publicKey != one.publicKey)
    }

    @Test(arguments: [0, 31, 33, 64])
    func seedOfWrongLengthIsRefused(length: Int) {
        let error = #expect(throws: OpenSSLError.self) { try SigningKey(seed: [UInt8](repeating: 1, count: length)) }
        #expect(error?.queue.first?.contains("32 bytes, got \(length)") == true)
    }

    @Test(arguments: [0, 31, 33])
    func publicKeyOfWrongLengthIsRefused(length: Int) {
        let error = #expect(throws: OpenSSLError.self) { try PublicKey(rawRepresentation: [UInt8](repeating: 1, count: length)) }
        #expect(error?.queue.first?.contains("got \(length)") == true)
    }

    @Test func privatePEMRoundTrip() throws {
        let key = try SigningKey.generate()
        let pem = try key.pemRepresentation
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(pem.hasSuffix("-----END PRIVATE KEY-----\n"))
        let back = try SigningKey(pemRepresentation: pem)
        #expect(back.publicKey == key.publicKey)
        let message = Array("x".utf8)
        #expect(try back.signature(for: message) == key.signature(for: message))
        #expect(try back.pemRepresentation == pem)
    }

    @Test func publicPEMRoundTrip() throws {
        let key = try SigningKey.generate().publicKey
        let pem = try key.pemRepresentation
        #expect(pem.hasPrefix("-----BEGIN PUBLIC KEY-----\n"))
        let back = try PublicKey(pemRepresentation: pem)
        #expect(back == key)
        #expect(back.rawRepresentation == key.rawRepresentation)
        #expect(try back.pemRepresentation == pem)
    }

    /// A well-formed PEM of another algorithm is not an identity FedTwin accepts.
    @Test func nonEd25519PEMIsRefused() {
        let error = #expect(throws: OpenSSLError.self) { try SigningKey(pemRepresentation: ecP256PEM) }
        #expect(error?.queue == ["key is not Ed25519"])
    }

    @Test(arguments: ["", "hello", "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"])
    func garbagePEMIsRefused(text: String) {
        #expect(throws: OpenSSLError.self) { try SigningKey(pemRepresentation: text) }
        #expect(throws: OpenSSLError.self) { try PublicKey(pemRepresentation: text) }
    }

    // MARK: Fingerprints

    @Test func fingerprint() throws {
        let key = Keys.a.publicKey
        let fp = key.fingerprint
        #expect(fp.hex == SHA256.hex(key.rawRepresentation))
        #expect(fp.hex.count == 64)
        #expect(fp.hex == fp.hex.lowercased())
        #expect(fp.short == String(fp.hex.prefix(16)))
        #expect(fp.description == fp.short)
        #expect(fp.matches(fp.hex))
        #expect(fp.matches(fp.short))
        #expect(fp.matches(fp.short.uppercased()))
        #expect(fp.matches(String(fp.hex.prefix(40))))
        #expect(!fp.matches(String(fp.hex.prefix(15))), "fewer than 16 digits must not match")
        #expect(!fp.matches(""))
        #expect(!fp.matches(Keys.b.publicKey.fingerprint.short))
        #expect(!fp.matches(fp.hex + "0"))
    }

    @Test func fingerprintParsing() throws {
        let fp = Keys.a.publicKey.fingerprint
        #expect(Fingerprint(hex: fp.hex.uppercased()) == fp)
        #expect(Fingerprint(hex: fp.short) == nil)
        #expect(Fingerprint(hex: String(fp.hex.dropLast())) == nil)
        #expect(Fingerprint(hex: String(fp.hex.dropLast()) + "g") == nil)
        let json = try JSONEncoder().encode(fp)
        #expect(String(decoding: json, as: UTF8.self) == "\"\(fp.hex)\"")
        #expect(try JSONDecoder().decode(Fingerprint.self, from: json) == fp)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Fingerprint.self, from: Data("\"abc\"".utf8)) }
    }

    // MARK: Key files

    @Test func keyFileWritesPrivateKeyWith0600AndReadsItBack() throws {
        try withTemporaryDirectory { dir in
            let key = try SigningKey.generate()
            let path = dir + "/site.key"
            try KeyFile.writePrivateKey(key, to: path)
            #expect(try mode(of: path) == 0o600)
            #expect(try KeyFile.readPrivateKey(at: path).publicKey == key.publicKey)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == key.pemRepresentation)
        }
    }

    @Test func keyFileWritesPublicKeyAndReadsItBack() throws {
        try withTemporaryDirectory { dir in
            let key = try SigningKey.generate().publicKey
            let path = dir + "/site.pub"
            try KeyFile.writePublicKey(key, to: path)
            #expect(try mode(of: path) == 0o644)
            #expect(try KeyFile.readPublicKey(at: path) == key)
        }
    }

    @Test func keyFileRefusesToOverwrite() throws {
        try withTemporaryDirectory { dir in
            let first = try SigningKey.generate()
            let path = dir + "/site.key"
            try KeyFile.writePrivateKey(first, to: path)
            #expect(throws: KeyFileError(path: path, problem: .exists)) { try KeyFile.writePrivateKey(try SigningKey.generate(), to: path) }
            #expect(throws: KeyFileError(path: path, problem: .exists)) { try KeyFile.writePublicKey(first.publicKey, to: path) }
            // The original survives untouched.
            #expect(try KeyFile.readPrivateKey(at: path).publicKey == first.publicKey)
        }
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o700, 0o601, 0o777] as [UInt32])
    func insecurePrivateKeyIsRefused(mode: UInt32) throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/site.key"
            try KeyFile.writePrivateKey(try SigningKey.generate(), to: path)
            #expect(chmod(path, mode_t(mode)) == 0)
            if mode & 0o077 == 0 {
                _ = try KeyFile.readPrivateKey(at: path) // 0700 is private: accepted
            } else {
                #expect(throws: KeyFileError(path: path, problem: .insecurePermissions(mode: mode))) {
                    try KeyFile.readPrivateKey(at: path)
                }
            }
        }
    }

    @Test func insecureErrorTellsHowToFix() throws {
        let error = KeyFileError(path: "/k/site.key", problem: .insecurePermissions(mode: 0o644))
        #expect(error.description.contains("644"))
        #expect(error.description.contains("chmod 600 /k/site.key"))
    }

    @Test func missingKeyFileIsUnreadableAndNamesThePath() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/nope.key"
            let error = #expect(throws: KeyFileError.self) { try KeyFile.readPrivateKey(at: path) }
            #expect(error == KeyFileError(path: path, problem: .unreadable(errno: ENOENT)))
            #expect(error?.description.contains(path) == true)
            #expect(throws: KeyFileError(path: path, problem: .unreadable(errno: ENOENT))) { try KeyFile.readPublicKey(at: path) }
        }
    }

    @Test func aDirectoryOrAPublicKeyGivenAsThePrivateKeySaysWhichFileIsWanted() throws {
        try withTemporaryDirectory { dir in
            // A directory (mode 0755) and a .pub file (mode 0644) used to get `chmod 600` advice.
            let directory = #expect(throws: KeyFileError.self) { try KeyFile.readPrivateKey(at: dir) }
            #expect(directory == KeyFileError(path: dir, problem: .notAFile))
            #expect(directory?.description.contains("chmod") == false)
            let key = try SigningKey.generate()
            try KeyFile.writePublicKey(key.publicKey, to: dir + "/site.pub")
            let pub = #expect(throws: KeyFileError.self) { try KeyFile.readPrivateKey(at: dir + "/site.pub") }
            #expect(pub == KeyFileError(path: dir + "/site.pub", problem: .notAPrivateKey))
            #expect(pub?.description.contains("NAME.key") == true)
            #expect(pub?.description.contains("chmod") == false)
            // And the other way round: a private key where the public one is wanted.
            try KeyFile.writePrivateKey(key, to: dir + "/site.key")
            #expect(throws: KeyFileError(path: dir + "/site.key", problem: .notAPublicKey)) { try KeyFile.readPublicKey(at: dir + "/site.key") }
            // A missing file says so and how key files are named.
            #expect(KeyFileError(path: "k.key", problem: .unreadable(errno: ENOENT)).description.contains("does not exist"))
        }
    }

    @Test func certificatesLoadFromTheirFileAndAMissingOneIsNamed() throws {
        try withTemporaryDirectory { dir in
            let key = try SigningKey.generate()
            let path = dir + "/site.crt"
            try Certificate.selfSigned(for: key, name: "site").pemRepresentation.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(try KeyFile.readCertificate(at: path).publicKey == key.publicKey)
            #expect(throws: KeyFileError(path: dir + "/nope.crt", problem: .unreadable(errno: ENOENT))) { try KeyFile.readCertificate(at: dir + "/nope.crt") }
            #expect(throws: KeyFileError(path: dir, problem: .notAFile)) { try KeyFile.readCertificate(at: dir) }
        }
    }

    @Test func writingIntoAMissingDirectoryIsUnwritable() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/missing/site.key"
            #expect(throws: KeyFileError(path: path, problem: .unwritable(errno: ENOENT))) {
                try KeyFile.writePrivateKey(try SigningKey.generate(), to: path)
            }
        }
    }

    @Test(arguments: ["garbage\n", "", ecP256PEM])
    func malformedKeyFileIsRefused(content: String) throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/bad.key"
            #expect(FileManager.default.createFile(atPath: path, contents: Data(content.utf8), attributes: [.posixPermissions: 0o600]))
            let fileMode = try mode(of: path)
            #expect(fileMode == 0o600)
            let privateError = #expect(throws: KeyFileError.self) { try KeyFile.readPrivateKey(at: path) }
            checkMalformed(privateError, path: path, wrongAlgorithm: content == ecP256PEM)
            let publicError = #expect(throws: KeyFileError.self) { try KeyFile.readPublicKey(at: path) }
            checkMalformed(publicError, path: path, wrongAlgorithm: false)
        }
    }

    private func checkMalformed(_ error: KeyFileError?, path: String, wrongAlgorithm: Bool) {
        #expect(error?.path == path)
        guard case .malformed(let detail)? = error?.problem else {
            Issue.record("expected .malformed, got \(String(describing: error))")
            return
        }
        if wrongAlgorithm { #expect(detail.contains("not Ed25519")) }
    }

    @Test func hugeKeyFileIsRefused() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/huge.key"
            #expect(FileManager.default.createFile(atPath: path, contents: Data(count: 70_000), attributes: [.posixPermissions: 0o600]))
            #expect(throws: KeyFileError(path: path, problem: .malformed(detail: "file larger than 64 KiB"))) {
                try KeyFile.readPrivateKey(at: path)
            }
        }
    }

    private func mode(of path: String) throws -> UInt32 {
        var info = stat()
        try #require(stat(path, &info) == 0)
        return UInt32(info.st_mode) & 0o777
    }
}

/// An EC P-256 private key (made with `openssl genpkey -algorithm EC`): valid PEM, wrong algorithm.
let ecP256PEM = """
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgTu3ZSxJPSFfJh8Yo
Uy5phojaGINeXNjIjpQO+heo0pihRANCAARDz4JNHA/yLovV5PduXph7JoaqzSF4
SMQnvzSuHZU4vGrklNiaJZ2UFv4AQDbGjxsDdCeQLy7BCKvOzplp24Tp
-----END PRIVATE KEY-----

"""
