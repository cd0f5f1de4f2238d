/// A committed version as read back: the manifest, its exact bytes and id.
public struct StoredVersion: Sendable, Equatable {
    public var manifest: VersionManifest
    /// SHA-256 of the manifest file: the version id.
    public var id: String
    public var number: Int { manifest.version }

    public init(manifest: VersionManifest, id: String) {
        self.manifest = manifest
        self.id = id
    }
}
