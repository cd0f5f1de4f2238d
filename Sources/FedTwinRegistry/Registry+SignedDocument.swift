import FedTwinWire

extension Registry {
    /// Writes a coordinator-signed document the way every one is written: the detached
    /// signature first, a barrier, then the document (so a document never appears without
    /// its signature). Durable at the caller's next barrier. Returns the document id.
    @discardableResult
    func writeSignedUnlocked(_ bytes: [UInt8], to path: String, signaturePath: String, domain: String, signer: SigningKey) throws -> String {
        let id = SHA256.hex(bytes)
        let signature = SignatureFile(domain: domain, documentID: id, signer: signer.publicKey.fingerprint,
                                      signature: Hex.encode(try signer.signature(for: Canonical.digest(domain: domain, bytes))))
        try storage.writeAtomically(try Canonical.prettyEncoder.encode(signature).bytes, to: signaturePath, durable: false)
        try storage.sync()
        try storage.writeAtomically(bytes, to: path, durable: false)
        return id
    }

    /// Checks a coordinator-signed document against its detached signature; returns the
    /// document's bytes.
    func verifiedSigned(path: String, signaturePath: String, domain: String) throws -> [UInt8] {
        guard let bytes = try storage.read(path) else { throw RegistryError(path: path, problem: "missing") }
        guard let sigBytes = try storage.read(signaturePath) else { throw RegistryError(path: signaturePath, problem: "signature missing") }
        let file = try decode(SignatureFile.self, sigBytes, path: signaturePath)
        let info = try info()
        guard file.domain == domain, file.signer == info.coordinator, file.documentID == SHA256.hex(bytes),
              let raw = Hex.decode(info.coordinatorKey), let key = try? PublicKey(rawRepresentation: raw),
              let signature = Hex.decode(file.signature), key.isValidSignature(signature, for: Canonical.digest(domain: domain, bytes)) else {
            throw RegistryError(path: path, problem: "coordinator signature in \(signaturePath) does not verify (edited?)")
        }
        return bytes
    }
}
