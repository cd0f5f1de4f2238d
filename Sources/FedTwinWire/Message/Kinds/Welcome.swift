/// Coordinator → site: the handshake answer. Its envelope carries the new session id and a
/// fresh challenge that every later frame of the session must echo.
public struct Welcome: Sendable, Equatable, Codable {
    /// Component the consortium trains (e.g. "hybrid-bioreactor").
    public var component: String
    /// Number of the latest committed model version (0 when none yet).
    public var currentVersion: Int
    /// Content id of that version's manifest, if any.
    public var currentVersionID: String?
    /// How often the site should send a heartbeat while busy, in seconds.
    public var heartbeatSeconds: Double
    /// Software name and version of the coordinator.
    public var software: String
    /// The coordinator's raw Ed25519 public key (hex). The site checks that its SHA-256 is
    /// the fingerprint it pinned, then verifies this frame's signature with it.
    public var coordinatorKey: String
    /// SHA-256 (hex) of the component spec file the store was created with, for a component
    /// declared by a spec (absent otherwise). Two spec files can declare the same id and
    /// schema yet differ in laws, bounds or consortium scaling; the site refuses a session
    /// whose spec is not the one it loaded (`component-mismatch`) instead of training a
    /// different model silently.
    public var componentSpecHash: String?

    public init(component: String, currentVersion: Int, currentVersionID: String?, heartbeatSeconds: Double, software: String, coordinatorKey: String,
                componentSpecHash: String? = nil) {
        self.component = component
        self.currentVersion = currentVersion
        self.currentVersionID = currentVersionID
        self.heartbeatSeconds = heartbeatSeconds
        self.software = software
        self.coordinatorKey = coordinatorKey
        self.componentSpecHash = componentSpecHash
    }
}
