import CoreMetrics
import FedTwinCoordinator
import Foundation
import Synchronization

/// The coordinator's metrics, named as docs/operations.md ("Metrics") lists them.
///
/// Counters that follow events (rounds, updates, refusals) are fed by `observe`; totals the
/// coordinator keeps itself (bytes, audit entries, seconds per phase) and the gauges are
/// brought up to date from a `CoordinatorSnapshot` by `refresh`, just before each scrape.
public final class FederationMetrics: Sendable {
    let families = MetricFamilies()
    let roundsCommitted: CoreMetrics.Counter
    let roundsRetried: CoreMetrics.Counter
    let roundDuration: CoreMetrics.Timer
    let updatesAccepted: CoreMetrics.Counter
    let bytesIn: CoreMetrics.Counter
    let bytesOut: CoreMetrics.Counter
    let auditEntries: CoreMetrics.Counter
    let enrolled: Meter
    let connected: Meter
    let selected: Meter
    let reported: Meter
    let version: Meter
    let residentMemory: Meter
    /// What `refresh` has already added to the counters it derives from totals.
    let booked = Mutex(Booked())

    struct Booked: Sendable {
        var bytesIn = 0, bytesOut = 0, auditEntries = 0
        var phaseSeconds: [String: Double] = [:]
    }

    public init() {
        let f = families
        roundsCommitted = f.counter("fedtwin_rounds_committed_total", "Rounds whose aggregate was committed as a new version.")
        roundsRetried = f.counter("fedtwin_rounds_retried_total", "Rounds that ended below quorum and were run again.")
        roundDuration = f.histogram("fedtwin_round_duration_seconds", "Seconds from a round's tasks to its committed version.",
                                    buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600].map { .milliseconds(Int($0 * 1000)) })
        updatesAccepted = f.counter("fedtwin_updates_accepted_total", "Site updates accepted into a round.")
        bytesIn = f.counter("fedtwin_received_bytes_total", "Frame bytes received from sites.")
        bytesOut = f.counter("fedtwin_sent_bytes_total", "Frame bytes queued to sites.")
        auditEntries = f.counter("fedtwin_audit_entries_appended_total", "Audit log entries this coordinator process appended.")
        enrolled = f.gauge("fedtwin_sites_enrolled", "Enrolled sites whose key is not revoked.")
        connected = f.gauge("fedtwin_sites_connected", "Sites with an authenticated session now.")
        selected = f.gauge("fedtwin_sites_selected", "Sites asked in the current round or evaluation.")
        reported = f.gauge("fedtwin_sites_reported", "Sites that answered the current round or evaluation.")
        version = f.gauge("fedtwin_model_version", "Latest committed model version.")
        residentMemory = f.gauge("process_resident_memory_bytes", "Resident memory of the coordinator process.")
    }

    func refusals(code: String) -> CoreMetrics.Counter {
        families.counter("fedtwin_refusals_total", "Frames and connections refused, by reason code (PROTOCOL.md reason codes).", [("code", code)])
    }

    func heldOutLoss(site: String) -> Meter {
        families.gauge("fedtwin_heldout_loss", "Held-out loss each site reported for the latest evaluated version.", [("site", site)])
    }

    func phaseSeconds(_ phase: String) -> FloatingPointCounter {
        families.floatingCounter("fedtwin_phase_seconds_total", "Seconds the coordinator spent in each phase.", [("phase", phase)])
    }

    /// Counts what an event says happened.
    public func observe(_ event: CoordinatorEvent) {
        switch event {
        case .versionCommitted(let number, _, _, _, let elapsed):
            roundsCommitted.increment()
            roundDuration.recordNanoseconds(Int64(elapsed * 1e9))
            version.set(number)
        case .resumed(let number, _):
            version.set(number)
        case .roundRetried:
            roundsRetried.increment()
        case .updateReceived:
            updatesAccepted.increment()
        case .refused(_, _, let code, _):
            refusals(code: code).increment()
        case .siteJoined(_, let n), .siteLeft(_, let n):
            connected.set(n)
        default:
            break
        }
    }

    /// Records one site's held-out loss.
    func record(loss: Double, site: String) {
        heldOutLoss(site: site).set(loss)
    }

    /// Brings gauges and total-derived counters up to `snapshot`.
    public func refresh(_ snapshot: CoordinatorSnapshot, enrolledSites: Int) {
        enrolled.set(enrolledSites)
        connected.set(snapshot.sessions.count)
        selected.set(snapshot.selected.count)
        reported.set(snapshot.reported.count)
        if snapshot.version > 0 { version.set(snapshot.version) }
        if let rss = Self.residentBytes() { residentMemory.set(rss) }
        booked.withLock { b in
            if snapshot.bytesIn > b.bytesIn { bytesIn.increment(by: snapshot.bytesIn - b.bytesIn); b.bytesIn = snapshot.bytesIn }
            if snapshot.bytesOut > b.bytesOut { bytesOut.increment(by: snapshot.bytesOut - b.bytesOut); b.bytesOut = snapshot.bytesOut }
            if snapshot.auditEntriesAppended > b.auditEntries {
                auditEntries.increment(by: snapshot.auditEntriesAppended - b.auditEntries)
                b.auditEntries = snapshot.auditEntriesAppended
            }
            for (phase, seconds) in snapshot.phaseSeconds where seconds > b.phaseSeconds[phase, default: 0] {
                phaseSeconds(phase).increment(by: seconds - b.phaseSeconds[phase, default: 0])
                b.phaseSeconds[phase] = seconds
            }
        }
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] {
        families.registry.emitToBuffer()
    }

    /// VmRSS from /proc/self/status (Linux); nil elsewhere.
    static func residentBytes() -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return nil }
        return kib * 1024
    }
}
