/// Why a peer refused something: a stable machine-readable code carried in `reject`,
/// written to the audit log, and matched on by tests (PROTOCOL.md §6).
///
/// A struct over a string rather than an enum, so a code added by a newer peer still
/// decodes and is shown as it is.
public struct ReasonCode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// The frame could not be parsed (layout, JSON, payload).
    public static let malformedFrame = ReasonCode(rawValue: "malformed-frame")
    /// Frame or protocol version not supported.
    public static let unsupportedVersion = ReasonCode(rawValue: "unsupported-version")
    /// A declared size or count is above a limit.
    public static let limitExceeded = ReasonCode(rawValue: "limit-exceeded")
    /// The signature does not verify.
    public static let badSignature = ReasonCode(rawValue: "bad-signature")
    /// The signing key is not enrolled.
    public static let unknownKey = ReasonCode(rawValue: "unknown-key")
    /// The signing key was enrolled and has been revoked.
    public static let revokedKey = ReasonCode(rawValue: "revoked-key")
    /// Sequence number not the next expected one (replayed or reordered frame).
    public static let replay = ReasonCode(rawValue: "replay")
    /// Session id or challenge not those of this connection.
    public static let wrongSession = ReasonCode(rawValue: "wrong-session")
    /// Round number not the open round.
    public static let wrongRound = ReasonCode(rawValue: "wrong-round")
    /// Update for a round that has already closed.
    public static let lateUpdate = ReasonCode(rawValue: "late-update")
    /// Update computed from another base version than the round's.
    public static let wrongBaseVersion = ReasonCode(rawValue: "wrong-base-version")
    /// NaN or Inf in a tensor.
    public static let nonFinite = ReasonCode(rawValue: "non-finite")
    /// Tensor names, shapes or dtypes differ from the component's schema.
    public static let schemaMismatch = ReasonCode(rawValue: "schema-mismatch")
    /// Update norm above the configured bound.
    public static let normExceeded = ReasonCode(rawValue: "norm-exceeded")
    /// Message type not valid in the current state.
    public static let unexpectedMessage = ReasonCode(rawValue: "unexpected-message")
    /// Content id of received parameters does not match the declared id.
    public static let contentMismatch = ReasonCode(rawValue: "content-mismatch")
    /// The site is already connected in another session.
    public static let duplicateSession = ReasonCode(rawValue: "duplicate-session")
    /// Too many sessions from one site within a window: retry later (with backoff).
    public static let rateLimited = ReasonCode(rawValue: "rate-limited")
    /// The peer is shutting down.
    public static let shuttingDown = ReasonCode(rawValue: "shutting-down")
    /// The peer stopped waiting (read timeout, handshake timeout).
    public static let timeout = ReasonCode(rawValue: "timeout")
    /// Something failed on the refusing side; not the sender's fault.
    public static let internalError = ReasonCode(rawValue: "internal-error")
    /// A JSON object in the header repeats a key (two parsers could read different values).
    public static let duplicateKey = ReasonCode(rawValue: "duplicate-key")
    /// A sample count of the wrong sign: an update's is not ≥ 1, an evaluation's not ≥ 0.
    public static let invalidSamples = ReasonCode(rawValue: "invalid-samples")
    /// A sample count above the federation's bound (`maxSamplesPerUpdate`, `maxEvaluationSamples`).
    public static let samplesExceeded = ReasonCode(rawValue: "samples-exceeded")
    /// A sample count outside `sampleConsistencyFactor` of what the site declared before.
    public static let samplesInconsistent = ReasonCode(rawValue: "samples-inconsistent")
    /// A metric value that is not finite, above `maxMetricMagnitude`, or a negative loss.
    public static let invalidMetric = ReasonCode(rawValue: "invalid-metric")

    /// Every code this version defines, in PROTOCOL.md order.
    public static let all: [ReasonCode] = [
        .malformedFrame, .unsupportedVersion, .limitExceeded, .badSignature, .unknownKey, .revokedKey,
        .replay, .wrongSession, .wrongRound, .lateUpdate, .wrongBaseVersion, .nonFinite, .schemaMismatch,
        .normExceeded, .unexpectedMessage, .contentMismatch, .duplicateSession, .rateLimited, .shuttingDown, .timeout, .internalError,
        .duplicateKey, .invalidSamples, .samplesExceeded, .samplesInconsistent, .invalidMetric,
    ]
}
