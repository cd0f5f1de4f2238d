import Foundation

extension CoordinatorEvent {
    /// The event as one line for an operator's terminal (`fedtwin-coordinator` prints it
    /// after "[coordinator] "). Counts are interpolated, never passed through `%d`, which
    /// takes 32 bits and printed large sample counts as negative numbers.
    public var progressLine: String {
        switch self {
        case .listening(let port): return "listening on port \(port)"
        case .resumed(let version, let next): return "store at version \(version); next round \(next)"
        case .siteJoined(let site, let n): return "site \(site) joined (\(n) connected)"
        case .siteLeft(let site, let n): return "site \(site) left (\(n) connected)"
        case .refused(let peer, let site, let code, let reason): return "refused \(site ?? peer): \(code): \(reason)"
        case .waitingForQuorum(let round, let connected, let needed): return "round \(round): waiting for quorum (\(connected)/\(needed) sites)"
        case .roundStarted(let round, let of, let sites): return "round \(round)/\(of): task sent to \(sites.joined(separator: ", "))"
        case .updateReceived(let round, let site, let reported, let selected, let bytes, let elapsed):
            return "round \(round): sites reported \(reported)/\(selected) (\(site)), \(Self.bytes(bytes)) in, \(Self.fixed(elapsed, 2)) s"
        case .roundRetried(let round, let accepted, let needed): return "round \(round): only \(accepted) of \(needed) needed updates — retrying the round"
        case .versionCommitted(let version, let round, let sites, let samples, let elapsed):
            return "round \(round): committed version \(version) (\(sites) sites, \(samples) samples) in \(Self.fixed(elapsed * 1000, 1)) ms"
        case .evaluationsRecorded(let version, let sites, let loss):
            return "version \(version): evaluated by \(sites) sites" + (loss.map { ", held-out loss " + String(format: "%.4g", $0) } ?? "")
        case .finished(let version): return "finished: all rounds done, latest version \(version)"
        case .stopping(let reason): return "stopping (\(reason)): abandoning any open round; committed versions are intact"
        case .storePaused(let what, let code, let reason, let retry):
            let action = code == "no-space" ? "free space on the store's file system" : "repair the store as the message says"
            return "PAUSED: cannot \(what): \(reason) — \(action); retrying every \(Int(retry)) s, committed versions are intact"
        case .storeResumed(let what, let seconds): return "resumed: \(what) succeeded after a \(Int(seconds.rounded())) s pause"
        }
    }

    static func bytes(_ n: Int) -> String {
        n >= 1 << 20 ? fixed(Double(n) / 1048576, 1) + " MiB" : fixed(Double(n) / 1024, 1) + " KiB"
    }

    static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}
