import FedTwinWire

extension ReasonCode {
    /// Audit-only code (never sent: there is no channel to send it on) for a connection
    /// whose TLS handshake failed or whose certificate was refused: expired, unpinned, or
    /// no TLS at all (plain TCP to a TLS port).
    public static let tlsRefused = ReasonCode(rawValue: "tls-refused")
    /// Audit-only code for a connection that ended for a reason that is not a refusal
    /// (reset, closed, local I/O failure).
    public static let connectionLost = ReasonCode(rawValue: "connection-lost")
}

extension TransportError {
    /// The reason code (PROTOCOL.md §7) a transport-level refusal is recorded under, so that
    /// refusals before any identity is known read like the ones answered with a `reject`.
    public var reasonCode: ReasonCode {
        switch problem {
        case .frameRefused(let error): return error.reasonCode
        case .notAHello: return .unexpectedMessage
        case .truncatedFrame: return .malformedFrame
        case .readTimeout, .writeTimeout, .handshakeTimeout: return .timeout
        case .connectionLimit, .pendingHandshakeLimit: return .limitExceeded
        case .tls: return .tlsRefused
        case .connectFailed, .closed, .io, .bindFailed: return .connectionLost
        }
    }

    /// Which guard refused the connection, for logs and audit entries: `limit` (at accept),
    /// `tls`, `framing` (the 16-byte prefix or a truncated frame), `timeout`, or `io`.
    public var stage: String {
        switch problem {
        case .connectionLimit, .pendingHandshakeLimit: return "limit"
        case .tls: return "tls"
        case .frameRefused, .notAHello, .truncatedFrame: return "framing"
        case .readTimeout, .writeTimeout, .handshakeTimeout: return "timeout"
        case .connectFailed, .closed, .io, .bindFailed: return "io"
        }
    }
}
