/// What the coordinator reports as it works, for live progress on a terminal or for tests.
/// Logs carry the same facts; these are the operator-facing summary.
public enum CoordinatorEvent: Sendable, Equatable {
    case listening(port: Int)
    case resumed(version: Int, nextRound: Int)
    case siteJoined(site: String, connected: Int)
    case siteLeft(site: String, connected: Int)
    case refused(peer: String, site: String?, code: String, reason: String)
    case waitingForQuorum(round: Int, connected: Int, needed: Int)
    case roundStarted(round: Int, of: Int, sites: [String])
    case updateReceived(round: Int, site: String, reported: Int, selected: Int, bytesIn: Int, elapsedSeconds: Double)
    case roundRetried(round: Int, accepted: Int, needed: Int)
    case versionCommitted(version: Int, round: Int, sites: Int, samples: Int, elapsedSeconds: Double)
    case evaluationsRecorded(version: Int, sites: Int, meanLoss: Double?)
    case finished(version: Int)
    case stopping(reason: String)
    /// The store refused a write for a reason an operator can fix (`code`: "no-space",
    /// "audit-damaged"); the round loop waits and retries `what` every `retrySeconds`.
    case storePaused(what: String, code: String, reason: String, retrySeconds: Double)
    /// The store took the write again; the loop continues where it paused.
    case storeResumed(what: String, pausedSeconds: Double)
}
