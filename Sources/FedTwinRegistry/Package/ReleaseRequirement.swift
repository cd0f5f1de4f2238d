import FedTwinAggregation
import FedTwinWire

/// What a site requires of a release package before it uses the version (issue 14 §4):
/// released in `channel`, signed by the coordinator the site pins, and — when the site pins
/// them — approved and released by the persons whose keys it pins. Without signer pins the
/// persons' keys are those the package's `persons/` files give, which only the coordinator's
/// signature on the file list vouches for; pins make the four-eyes release hold even against
/// the coordinator key's holder.
public struct ReleaseRequirement: Sendable, Codable, Equatable {
    /// The release channel, e.g. `production`.
    public var channel: String
    /// The coordinator key's fingerprint, hex: all 64 digits or at least 16.
    public var coordinatorFingerprint: String
    /// Person name → fingerprint (hex, at least 16 digits) of the key the site accepts for
    /// them. Empty: the keys enrolled in the package are used.
    public var signers: [String: String]
    /// The component id the site expects, or nil for any.
    public var component: String?

    public init(channel: String, coordinatorFingerprint: String, signers: [String: String] = [:], component: String? = nil) {
        self.channel = channel
        self.coordinatorFingerprint = coordinatorFingerprint
        self.signers = signers
        self.component = component
    }

    /// Refuses a fingerprint that is not 16–64 hex digits, or an empty channel: named.
    public func validate() throws {
        func isFingerprint(_ text: String) -> Bool { (16...64).contains(text.count) && text.allSatisfy(\.isHexDigit) }
        guard !channel.isEmpty, channel.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw RegistryError(path: "channel", problem: "'\(channel)' is not a channel name (letters, digits, '-', '_', '.')")
        }
        guard isFingerprint(coordinatorFingerprint) else {
            throw RegistryError(path: "coordinator fingerprint", problem: "must be 16 to 64 hex digits, got '\(coordinatorFingerprint)'")
        }
        for (name, fingerprint) in signers where !isFingerprint(fingerprint) {
            throw RegistryError(path: "signer \(name)", problem: "fingerprint must be 16 to 64 hex digits, got '\(fingerprint)'")
        }
    }
}

/// A release package that met a `ReleaseRequirement`: what a site may use, and what it says
/// it used.
public struct VerifiedRelease: Sendable, Equatable {
    public var version: Int
    public var versionID: String
    public var channel: String
    /// `released (CHANNEL)`, recomputed from the package's signature records.
    public var state: LifecycleState
    public var component: ComponentSpec
    /// A declared component's spec file, byte for byte.
    public var specFile: [UInt8]?
    /// The parameters, in the manifest's order (metadata stripped).
    public var parameters: [Tensor]
    /// The approval and release signatures the state rests on.
    public var signatures: [SignatureRecord]
    /// Whether the signers' keys were pinned by the site.
    public var signersPinned: Bool
}
