/// Coordinator → site: evaluate this committed version on your held-out batches.
public struct Evaluate: Sendable, Equatable, Codable {
    public var version: Int
    public var versionID: String
    /// SHA-256 of the canonical parameter blob in the payload.
    public var parametersID: String

    public init(version: Int, versionID: String, parametersID: String) {
        self.version = version
        self.versionID = versionID
        self.parametersID = parametersID
    }
}
