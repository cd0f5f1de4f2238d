import FedTwinWire

/// `package.json` in a release package: which version it carries, its lifecycle state when
/// it was exported, and where the audit-log segment starts and ends — what
/// `fedtwin package verify` recomputes from the other files and compares.
public struct PackageInfo: Sendable, Codable, Equatable {
    public var format: Int
    public var version: Int
    public var versionID: String
    public var component: String
    /// The version's lifecycle state in the store at export, e.g. "released (production)".
    public var stateAtExport: String
    public var auditSegment: AuditSegment
    public var exportedAt: String
    public var coordinator: Fingerprint
}

/// The part of the audit log a package carries: entries `firstSeq`…`lastSeq`, chained from
/// `anchor` (the hash of the entry before the first, not included) to `head` (the hash of
/// the last, which is signed by the coordinator).
public struct AuditSegment: Sendable, Codable, Equatable {
    public var firstSeq: Int
    public var lastSeq: Int
    public var anchor: String
    public var head: String
}
