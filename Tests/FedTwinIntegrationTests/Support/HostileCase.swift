import FedTwinRegistry
import Testing

/// One bad input fired at the running coordinator by `HostileScenario`, with the refusal it
/// must meet and the audit event that must record it (docs/security.md, "Hostile-client
/// suite", lists the same table).
enum HostileCase: String, CaseIterable, Sendable, CustomTestStringConvertible {
    // Limits at accept and handshake timeouts (connection-refused).
    case pendingHandshakeFlood, connectionFlood, silentSocketHandshakeTimeout, slowlorisBeforeHello
    // TLS (connection-refused, code tls-refused).
    case plainTCPToTLSPort, expiredCertificate
    // Framing of the first frame, checked from the prefix (connection-refused). Before the
    // handshake only a hello without a body may pass (issue 10, rule 2).
    case badMagic, unknownFrameVersion, unknownMessageType, unknownFlags, randomGarbage, oversizedHeaderLength,
         oversizedBodyLength, truncatedFrame, messageBeforeHello, helloDeclaringBody
    // The hello (hello-refused, answered with a reject).
    case unknownKey, revokedKey, unenrolledCertificate, helloSignerIsNotTLSKey, helloBadSignature,
         helloWithNonZeroSeq, helloUnsupportedProtocol, malformedHeaderJSON, helloLookAlikeName
    // One enrolled key opening session after session (site-throttled, answered with a reject).
    case helloFloodFromOneKey
    // Inside an authenticated session (frame-refused, answered with a reject).
    case nanInUpdate, wrongShape, wrongTensorName, wrongDtype, normOverBound, wrongBaseVersion, wrongRound,
         outOfOrderSeq, badSignatureInSession, signerMismatchInSession, zipBomb, tooManyTensors, helloInsideSession,
         zeroSamples, duplicateUpdate, updateFromUnselectedSite, replayWithinRound, replayAcrossRounds,
         replayAcrossSessions, recipientsFromSite, lateUpdate,
         // Numbers and free-form fields from an enrolled site (issue 10, rule 1).
         hugeSamples, hugeMetric, tooManyMetrics, duplicateKeyInHeader,
         // Evaluations of versions 1, 2 and 3 from site-r.
         negativeEvaluationSamples, negativeHeldOutLoss, hugeEvaluationSamples
    // A session that stalls mid-frame (session-closed, cause read timeout).
    case slowlorisInSession

    var testDescription: String { rawValue }

    /// The reason code (PROTOCOL.md §7, or the audit-only `tls-refused`) it must be refused with.
    var expectedCode: String {
        switch self {
        case .pendingHandshakeFlood, .connectionFlood, .oversizedHeaderLength, .oversizedBodyLength, .helloDeclaringBody, .tooManyTensors, .tooManyMetrics:
            return "limit-exceeded"
        case .helloFloodFromOneKey: return "rate-limited"
        case .silentSocketHandshakeTimeout, .slowlorisBeforeHello, .slowlorisInSession: return "timeout"
        case .plainTCPToTLSPort, .expiredCertificate: return "tls-refused"
        case .badMagic, .unknownMessageType, .unknownFlags, .randomGarbage, .truncatedFrame, .malformedHeaderJSON, .zipBomb,
             .helloLookAlikeName:
            return "malformed-frame"
        case .unknownFrameVersion, .helloUnsupportedProtocol: return "unsupported-version"
        case .unknownKey: return "unknown-key"
        case .revokedKey: return "revoked-key"
        case .unenrolledCertificate, .helloSignerIsNotTLSKey, .helloBadSignature, .badSignatureInSession, .signerMismatchInSession:
            return "bad-signature"
        case .messageBeforeHello, .helloInsideSession, .duplicateUpdate, .updateFromUnselectedSite: return "unexpected-message"
        case .helloWithNonZeroSeq, .outOfOrderSeq, .replayWithinRound, .replayAcrossRounds: return "replay"
        case .replayAcrossSessions, .recipientsFromSite: return "wrong-session"
        case .nanInUpdate: return "non-finite"
        case .wrongShape, .wrongTensorName, .wrongDtype: return "schema-mismatch"
        case .zeroSamples, .negativeEvaluationSamples: return "invalid-samples"
        case .hugeSamples, .hugeEvaluationSamples: return "samples-exceeded"
        case .hugeMetric, .negativeHeldOutLoss: return "invalid-metric"
        case .duplicateKeyInHeader: return "duplicate-key"
        case .normOverBound: return "norm-exceeded"
        case .wrongBaseVersion: return "wrong-base-version"
        case .wrongRound: return "wrong-round"
        case .lateUpdate: return "late-update"
        }
    }

    /// The audit event that records it.
    var auditEvent: String {
        switch self {
        case .pendingHandshakeFlood, .connectionFlood, .silentSocketHandshakeTimeout, .slowlorisBeforeHello,
             .plainTCPToTLSPort, .expiredCertificate, .badMagic, .unknownFrameVersion, .unknownMessageType, .unknownFlags,
             .randomGarbage, .oversizedHeaderLength, .oversizedBodyLength, .truncatedFrame, .messageBeforeHello, .helloDeclaringBody:
            return "connection-refused"
        case .unknownKey, .revokedKey, .unenrolledCertificate, .helloSignerIsNotTLSKey, .helloBadSignature,
             .helloWithNonZeroSeq, .helloUnsupportedProtocol, .malformedHeaderJSON, .helloLookAlikeName:
            return "hello-refused"
        case .helloFloodFromOneKey:
            return "site-throttled"
        case .slowlorisInSession:
            return "session-closed"
        default:
            return "frame-refused"
        }
    }

    /// Whether the `reject` of a frame refused in a session names the frame's `seq`
    /// (`refSeq`): not for frames refused by the §2 frame checks, whose envelope is not
    /// trusted yet; yes for envelope and content refusals (PROTOCOL.md §6, order of checks).
    var carriesRefSeq: Bool {
        switch self {
        case .nanInUpdate, .badSignatureInSession, .signerMismatchInSession, .zipBomb, .tooManyTensors, .tooManyMetrics,
             .duplicateKeyInHeader:
            return false
        default:
            return auditEvent == "frame-refused"
        }
    }

    /// Framing refusals of the first frame: the transport closes the connection, but sends
    /// the coordinator's signed `reject` first (PROTOCOL.md §2, "Which refusals are
    /// answered"). Not a truncated frame: that peer has already closed its side.
    var transportAnswersWithReject: Bool {
        switch self {
        case .badMagic, .unknownFrameVersion, .unknownMessageType, .unknownFlags, .randomGarbage, .oversizedHeaderLength,
             .oversizedBodyLength:
            return true
        default:
            return false
        }
    }

    /// Whether the peer is answered with a signed `reject` (otherwise the refusal is the
    /// connection being closed, and only the audit log says why).
    var answeredWithReject: Bool { ["hello-refused", "frame-refused", "site-throttled"].contains(auditEvent) }
}

/// What the scenario saw for one case.
struct HostileOutcome: Sendable {
    /// Code of the `reject` the client received, if the case is answered with one.
    var rejectCode: String?
    /// `refSeq` of that reject.
    var refSeq: UInt64?
    /// The audit entry that records the refusal.
    var audit: AuditEntry?
    /// The coordinator closed the connection (transport-level refusals).
    var closed: Bool?
    /// Anything else worth printing when the case fails.
    var detail = ""

    /// The code the audit entry records (for session-closed: `timeout` when the cause is a timeout).
    var auditCode: String? {
        guard let audit else { return nil }
        if audit.event == "session-closed" {
            return (audit.data["cause"] ?? "").contains("timeout") ? "timeout" : audit.data["cause"]
        }
        return audit.data["code"]
    }
}

/// Everything the scenario observed, for the per-case and whole-federation tests.
struct HostileReport: Sendable {
    var outcomes: [HostileCase: HostileOutcome] = [:]
    var failures: [HostileCase: String] = [:]
    var versions: [Int] = []
    /// Sites contributing to each committed version.
    var contributors: [Int: [String]] = [:]
    var sessionOpens: [String: Int] = [:]
    /// The `task-resent` entry of round 3, when site-r opened a second session mid-round.
    var replacement: AuditEntry?
    var roundDeadlines = -1
    var verifyStatus: Int32 = -1
    var verifyOutput = ""
    var auditVerifyStatus: Int32 = -1
    var auditVerifyOutput = ""
    var coordinatorStatus: Int32 = -1
    var coordinatorStderrTail = ""
    var honestExitStatus: [String: Int32] = [:]
    var seconds: Double = 0
}
