import FedTwinCoordinator
import Foundation

/// Live progress lines on stderr for the operator.
struct Progress: Sendable {
    let quiet: Bool

    func report(_ event: CoordinatorEvent) {
        guard !quiet else { return }
        let line: String
        switch event {
        case .listening(let port): line = "listening on port \(port)"
        case .resumed(let version, let next): line = "store at version \(version); next round \(next)"
        case .siteJoined(let site, let n): line = "site \(site) joined (\(n) connected)"
        case .siteLeft(let site, let n): line = "site \(site) left (\(n) connected)"
        case .refused(let peer, let site, let code, let reason): line = "refused \(site ?? peer): \(code): \(reason)"
        case .waitingForQuorum(let round, let connected, let needed): line = "round \(round): waiting for quorum (\(connected)/\(needed) sites)"
        case .roundStarted(let round, let of, let sites): line = "round \(round)/\(of): task sent to \(sites.joined(separator: ", "))"
        case .updateReceived(let round, let site, let reported, let selected, let bytes, let elapsed):
            line = String(format: "round %d: sites reported %d/%d (%@), %@ in, %.2f s", round, reported, selected, site, Self.bytes(bytes), elapsed)
        case .roundRetried(let round, let accepted, let needed): line = "round \(round): only \(accepted) of \(needed) needed updates — retrying the round"
        case .versionCommitted(let version, let round, let sites, let samples, let elapsed):
            line = String(format: "round %d: committed version %d (%d sites, %d samples) in %.1f ms", round, version, sites, samples, elapsed * 1000)
        case .evaluationsRecorded(let version, let sites, let loss):
            line = "version \(version): evaluated by \(sites) sites" + (loss.map { String(format: ", held-out loss %.4g", $0) } ?? "")
        case .finished(let version): line = "finished: all rounds done, latest version \(version)"
        case .stopping(let reason): line = "stopping (\(reason)): abandoning any open round; committed versions are intact"
        case .storePaused(let what, let code, let reason, let retry):
            let action = code == "no-space" ? "free space on the store's file system" : "repair the store as the message says"
            line = "PAUSED: cannot \(what): \(reason) — \(action); retrying every \(Int(retry)) s, committed versions are intact"
        case .storeResumed(let what, let seconds): line = "resumed: \(what) succeeded after a \(Int(seconds.rounded())) s pause"
        }
        FileHandle.standardError.write(Data(("[coordinator] " + line + "\n").utf8))
    }

    static func bytes(_ n: Int) -> String {
        n >= 1 << 20 ? String(format: "%.1f MiB", Double(n) / 1048576) : String(format: "%.1f KiB", Double(n) / 1024)
    }
}
