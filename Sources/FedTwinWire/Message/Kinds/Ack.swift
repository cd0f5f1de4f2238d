/// Acknowledges a frame by its sequence number; for an update, names the stored object.
public struct Ack: Sendable, Equatable, Codable {
    /// `seq` of the acknowledged frame.
    public var ackSeq: UInt64
    /// Content id under which the receiver stored it, if it did.
    public var storedID: String?

    public init(ackSeq: UInt64, storedID: String? = nil) {
        self.ackSeq = ackSeq
        self.storedID = storedID
    }
}
