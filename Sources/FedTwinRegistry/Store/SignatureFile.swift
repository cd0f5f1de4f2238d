import FedTwinWire

/// The detached signature beside a signed document (`versions/NNNNNN.sig`).
public struct SignatureFile: Sendable, Codable, Equatable {
    /// "FedTwin manifest v1" or "FedTwin evaluation v1": the domain of the signed digest.
    public var domain: String
    /// Hex SHA-256 of the document bytes (the document's id).
    public var documentID: String
    public var signer: Fingerprint
    /// Ed25519 over SHA-256(domain ‖ 0 ‖ document bytes), hex.
    public var signature: String
}
