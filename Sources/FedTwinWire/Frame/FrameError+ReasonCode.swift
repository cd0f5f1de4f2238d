extension FrameError {
    /// The reason code a receiver sends back for this refusal (PROTOCOL.md §2 table).
    public var reasonCode: ReasonCode {
        switch problem {
        case .unsupportedVersion: return .unsupportedVersion
        case .limitExceeded: return .limitExceeded
        case .badSignature, .signerMismatch: return .badSignature
        case .duplicateKey: return .duplicateKey
        case .payload(let payload):
            switch payload.problem {
            case .nonFinite: return .nonFinite
            case .limitExceeded: return .limitExceeded
            default: return .malformedFrame
            }
        case .truncated, .trailingBytes, .badMagic, .unknownMessageType, .unknownFlags, .malformedHeader, .unexpectedBody:
            return .malformedFrame
        }
    }
}
