import Foundation

/// The coordinator's state at one instant, for the status endpoint (FedTwinStatus): what
/// phase it is in, which round and until when, who is connected and whom it waits for, and
/// the running totals that are not events (traffic, audit entries, seconds per phase).
/// Taken inside the actor, so it is consistent; read-only, so observing cannot change a round.
public struct CoordinatorSnapshot: Sendable, Codable, Equatable {
    /// `waiting-for-quorum`, `training`, `committing`, `evaluating`, `stopping` or `finished`.
    public var phase: String
    /// The round open now, or the next one while waiting for quorum.
    public var round: Int
    public var rounds: Int
    /// When the open round (training) or evaluation stops waiting; nil in other phases.
    public var deadline: Date?
    /// Latest committed version the coordinator holds (0 before `run` has read the store).
    public var version: Int
    public var minSites: Int
    /// Sites asked in this phase (selected for the round, or asked to evaluate).
    public var selected: [String]
    /// Sites whose answer the phase has (accepted, refused on content, or evaluated).
    public var reported: [String]
    /// Whom the phase waits for: in a round or an evaluation, the asked sites that have not
    /// answered; while waiting for quorum, the enrolled sites that are not connected.
    public var waitingFor: [String]
    public var sessions: [Session]
    /// Frame bytes read from and queued to sites since start.
    public var bytesIn: Int
    public var bytesOut: Int
    /// Audit entries this process appended to the store's log.
    public var auditEntriesAppended: Int
    /// Seconds spent in each phase since start, the current one included.
    public var phaseSeconds: [String: Double]

    /// One connected site.
    public struct Session: Sendable, Codable, Equatable {
        public var site: String
        public var since: Date
        public var software: String
        public var protocolVersion: Int
        public var peer: String
    }
}
