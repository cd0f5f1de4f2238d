import FedTwinCoordinator
import Foundation

/// What `/status` answers and `fedtwin status` prints: the coordinator's phase, round and
/// deadline, every enrolled site with what is known of it, whom the phase waits for, and
/// the held-out loss history that the status page plots.
public struct StatusReport: Sendable, Codable, Equatable {
    public var time: Date
    public var software: String
    public var phase: String
    public var round: Int
    public var rounds: Int
    public var deadline: Date?
    public var version: Int
    public var minSites: Int
    public var waitingFor: [String]
    public var sites: [Site]
    /// Held-out loss of each evaluated version, per site (`mean` is the samples-weighted mean).
    public var history: [LossPoint]

    /// One enrolled site.
    public struct Site: Sendable, Codable, Equatable {
        public var name: String
        public var revoked: Bool
        public var connected: Bool
        /// When the current session opened (nil when not connected).
        public var since: Date?
        public var software: String?
        public var protocolVersion: Int?
        public var selected: Bool
        /// Round and time of the last accepted update.
        public var lastUpdateRound: Int?
        public var lastUpdateAt: Date?
        /// Version and held-out loss of the last recorded evaluation.
        public var lastEvaluationVersion: Int?
        public var lastEvaluationLoss: Double?
        /// Refusals of this site's frames since the coordinator started, by reason code.
        public var refusals: [String: Int]
    }

    /// One evaluated version's held-out loss at one site.
    public struct LossPoint: Sendable, Codable, Equatable {
        public var version: Int
        public var round: Int
        public var site: String
        public var loss: Double
    }
}
