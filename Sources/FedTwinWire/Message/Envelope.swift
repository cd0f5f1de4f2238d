/// The routing and anti-replay fields every frame's header carries (PROTOCOL.md §3, §6).
///
/// They are inside the signed bytes, so a frame cannot be moved to another session, round
/// or position in the sequence without breaking its signature.
public struct Envelope: Sendable, Equatable, Codable {
    /// Fingerprint of the key that signed the frame.
    public var sender: Fingerprint
    /// Session id chosen by the coordinator in `welcome`; empty in `hello` and in a frame
    /// addressed to several sessions (`recipients`).
    public var session: String
    /// The coordinator's fresh random challenge from `welcome`; empty in `hello` and with
    /// `recipients`.
    public var challenge: String
    /// Round the message belongs to (0 outside rounds).
    public var round: UInt64
    /// Per-sender, per-session counter: strictly increasing by one from 0. 0 with
    /// `recipients`, where each recipient carries its own.
    public var seq: UInt64
    /// Set on a coordinator frame addressed to several sessions at once (a round's `task`
    /// or `evaluate`): the global model is then encoded and signed once per round, not once
    /// per site. Each entry binds the one frame to one session and that session's next
    /// `seq`, so replay and reordering are refused exactly as for a single-session frame.
    public var recipients: [Recipient]?

    /// One session a multi-addressed frame is meant for, with the `seq` it has there.
    public struct Recipient: Sendable, Equatable, Codable {
        public var session: String
        public var seq: UInt64

        public init(session: String, seq: UInt64) {
            self.session = session
            self.seq = seq
        }
    }

    public init(sender: Fingerprint, session: String = "", challenge: String = "", round: UInt64 = 0, seq: UInt64 = 0,
                recipients: [Recipient]? = nil) {
        self.sender = sender
        self.session = session
        self.challenge = challenge
        self.round = round
        self.seq = seq
        self.recipients = recipients
    }

    /// The `seq` this frame carries in the session `session` (whose challenge is
    /// `challenge`), or nil when the frame is not addressed to that session.
    ///
    /// A multi-addressed frame must leave `session`, `challenge` and `seq` empty, so that
    /// it has exactly one reading; the first entry naming the session counts.
    public func seq(inSession session: String, challenge: String) -> UInt64? {
        guard let recipients else {
            return self.session == session && self.challenge == challenge ? seq : nil
        }
        guard self.session.isEmpty, self.challenge.isEmpty, seq == 0 else { return nil }
        return recipients.first { $0.session == session }?.seq
    }
}
