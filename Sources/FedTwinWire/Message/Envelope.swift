/// The routing and anti-replay fields every frame's header carries (PROTOCOL.md §5).
///
/// They are inside the signed bytes, so a frame cannot be moved to another session, round
/// or position in the sequence without breaking its signature.
public struct Envelope: Sendable, Equatable, Codable {
    /// Fingerprint of the key that signed the frame.
    public var sender: Fingerprint
    /// Session id chosen by the coordinator in `welcome`; empty in `hello`.
    public var session: String
    /// The coordinator's fresh random challenge from `welcome`; empty in `hello`.
    public var challenge: String
    /// Round the message belongs to (0 outside rounds).
    public var round: UInt64
    /// Per-sender, per-session counter: strictly increasing by one from 0.
    public var seq: UInt64

    public init(sender: Fingerprint, session: String = "", challenge: String = "", round: UInt64 = 0, seq: UInt64 = 0) {
        self.sender = sender
        self.session = session
        self.challenge = challenge
        self.round = round
        self.seq = seq
    }
}
