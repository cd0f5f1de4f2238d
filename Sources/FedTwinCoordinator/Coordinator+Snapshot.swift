import FedTwinWire
import Foundation

/// Totals the coordinator keeps only to be observed (CoordinatorSnapshot).
struct ObservedCounters: Sendable {
    var bytesIn = 0
    var bytesOut = 0
    /// `Registry.auditAppends` when the coordinator was made: entries appended before it
    /// (store creation, enrolments) are not this process's work.
    var auditBaseline = 0
    var phaseSeconds: [String: Double] = [:]
    var phaseSince = ContinuousClock.now
}

extension Phase {
    /// The phase's name on /status and in the `phase` label of the metrics.
    var name: String {
        switch self {
        case .waitingForQuorum: return "waiting-for-quorum"
        case .training: return "training"
        case .committing: return "committing"
        case .evaluating: return "evaluating"
        case .stopping: return "stopping"
        case .finished: return "finished"
        }
    }
}

extension Coordinator {
    /// Called when `phase` moves to another case: books the time spent in the old one.
    func phaseChanged(from old: String) {
        let now = ContinuousClock.now
        observed.phaseSeconds[old, default: 0] += (now - observed.phaseSince).seconds
        observed.phaseSince = now
    }

    /// The coordinator's state now, for the status endpoint. Never changes anything.
    public func snapshot() -> CoordinatorSnapshot {
        var round = currentRound
        var deadline: Date?
        var selected: [String] = []
        var reported: [String] = []
        var waiting: [String] = []
        switch phase {
        case .waitingForQuorum(let next):
            round = next
            let enrolled = ((try? registry.sites()) ?? []).filter { !$0.isRevoked }.map(\.name)
            waiting = enrolled.filter { sessions[$0] == nil }.sorted()
        case .training(let s):
            deadline = Date().addingTimeInterval(config.roundDeadlineSeconds - (ContinuousClock.now - s.started).seconds)
            selected = s.selected.sorted()
            reported = s.selected.filter { s.accepted[$0] != nil || s.refused.contains($0) }.sorted()
            waiting = s.awaited
        case .evaluating(let s):
            selected = s.asked.sorted()
            reported = s.asked.filter { s.results[$0] != nil || s.refused.contains($0) }.sorted()
            waiting = s.awaited
        case .committing, .stopping, .finished:
            break
        }
        if round == Int.max { round = current?.version.manifest.round ?? 0 }
        var phaseSeconds = observed.phaseSeconds
        phaseSeconds[phase.name, default: 0] += (ContinuousClock.now - observed.phaseSince).seconds
        let open = sessions.values.sorted { $0.name < $1.name }.map {
            CoordinatorSnapshot.Session(site: $0.name, since: $0.opened, software: $0.software, protocolVersion: Int(Frame.version),
                                        peer: $0.connection.peer)
        }
        return CoordinatorSnapshot(phase: phase.name, round: round, rounds: config.rounds, deadline: deadline,
                                   version: current?.version.number ?? 0, minSites: config.minSites, selected: selected,
                                   reported: reported, waitingFor: Array(Set(waiting)).sorted(), sessions: open,
                                   bytesIn: observed.bytesIn, bytesOut: observed.bytesOut,
                                   auditEntriesAppended: registry.auditAppends.value - observed.auditBaseline, phaseSeconds: phaseSeconds)
    }
}
