/// Refuses a frame with a stable code and a sentence for people.
public struct Reject: Sendable, Equatable, Codable {
    public var code: ReasonCode
    public var reason: String
    /// `seq` of the refused frame, when it could be read.
    public var refSeq: UInt64?

    public init(code: ReasonCode, reason: String, refSeq: UInt64? = nil) {
        self.code = code
        self.reason = MessageBounds.clipReason(reason)
        self.refSeq = refSeq
    }
}
