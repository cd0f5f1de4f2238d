/// Every kind of entry the audit log holds. The log stores the raw value (`event` in
/// `audit.log`, PROTOCOL.md and docs/security.md name them), so the on-disk format is plain
/// text a reviewer reads without this code; writers take this enum, so an event name cannot
/// be misspelt in one place and read under another name elsewhere.
public enum AuditEvent: String, Sendable, CaseIterable, Codable {
    // The store and its people.
    /// `fedtwin store init`: the component, its schema and the coordinator key.
    case storeCreated = "store-created"
    case enrol
    case revoke
    case personEnrol = "person-enrol"
    case personRevoke = "person-revoke"

    // Sessions and refusals at the door.
    case sessionOpen = "session-open"
    case sessionReplaced = "session-replaced"
    case sessionClosed = "session-closed"
    case helloRefused = "hello-refused"
    case connectionRefused = "connection-refused"
    case frameRefused = "frame-refused"
    /// The stranger budget's summary of refusals not audited one by one.
    case refusalsSuppressed = "refusals-suppressed"
    /// A site's budget summary of events not audited one by one.
    case siteAuditSuppressed = "site-audit-suppressed"
    case siteThrottled = "site-throttled"
    case siteBye = "site-bye"
    /// A site declined a task or an evaluation with a reject of its own.
    case siteRejected = "site-rejected"

    // Rounds.
    case roundStarted = "round-started"
    case taskResent = "task-resent"
    case updateAccepted = "update-accepted"
    case evaluationIgnored = "evaluation-ignored"
    case roundDeadline = "round-deadline"
    case roundRetried = "round-retried"
    case roundAbandoned = "round-abandoned"
    case roundClosedWithMissingSites = "round-closed-with-missing-sites"
    case roundClosedStoreUnavailable = "round-closed-store-unavailable"
    case roundAggregationFailed = "round-aggregation-failed"
    case versionCommitted = "version-committed"
    case evaluationsRecorded = "evaluations-recorded"
    case federationFinished = "federation-finished"
    case coordinatorStopped = "coordinator-stopped"

    // The store's health and its repairs at open.
    case storePaused = "store-paused"
    case storeResumed = "store-resumed"
    case versionSetAside = "version-set-aside"
    case evaluationsSetAside = "evaluations-set-aside"
    case versionCommittedRecovered = "version-committed-recovered"
    case auditTailQuarantined = "audit-tail-quarantined"

    // Validation and release (issue 14).
    case planSet = "plan-set"
    case validationRecorded = "validation-recorded"
    case validationNotRecorded = "validation-not-recorded"
    case validationSetAside = "validation-set-aside"
    case signatureRecorded = "signature-recorded"
    case signatureRefused = "signature-refused"
    case signatureSetAside = "signature-set-aside"
    case signingLocked = "signing-locked"
}

extension AuditEntry {
    /// The entry's event as the enum; nil for a name this build does not know (an entry
    /// written by a later version still verifies: the chain and signatures cover the text).
    public var kind: AuditEvent? { AuditEvent(rawValue: event) }
}
