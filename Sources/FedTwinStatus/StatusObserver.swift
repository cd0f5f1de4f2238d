import FedTwinCoordinator
import FedTwinRegistry
import FedTwinWire
import Foundation
import Logging
import Synchronization

/// Everything the status endpoint serves, fed by the coordinator's events (pass `observe`
/// into the coordinator's `onEvent`) and by its snapshots and the store when asked.
/// Read-only towards the coordinator and the store.
public final class StatusObserver: Sendable {
    public let metrics = FederationMetrics()
    let coordinator: Coordinator
    let registry: Registry
    let logger: Logger
    let activity = Mutex<[String: SiteActivity]>([:])
    /// Held-out losses by version, read from the store's evaluation records.
    let losses = Mutex<[StatusReport.LossPoint]>([])

    public init(coordinator: Coordinator, registry: Registry, logger: Logger) {
        self.coordinator = coordinator
        self.registry = registry
        self.logger = logger
        loadEvaluations()
    }

    /// Takes one coordinator event (call from `onEvent`; does not block on the coordinator).
    public func observe(_ event: CoordinatorEvent) {
        metrics.observe(event)
        switch event {
        case .updateReceived(let round, let site, _, _, _, _):
            activity.withLock { $0[site, default: SiteActivity()].lastUpdateRound = round; $0[site]!.lastUpdateAt = Date() }
        case .refused(_, let site?, let code, _):
            activity.withLock { $0[site, default: SiteActivity()].refusals[code, default: 0] += 1 }
        case .evaluationsRecorded(let version, _, _):
            loadEvaluations(version: version)
        default:
            break
        }
    }

    /// Reads the evaluation records of `version`, or of every version at start.
    func loadEvaluations(version: Int? = nil) {
        do {
            let numbers = try version.map { [$0] } ?? registry.versionNumbers()
            var points: [StatusReport.LossPoint] = []
            for number in numbers {
                guard let record = try registry.evaluations(version: number) else { continue }
                let round = try registry.version(number).manifest.round
                for evaluation in record.evaluations {
                    guard let loss = evaluation.metrics["loss"] else { continue }
                    points.append(.init(version: number, round: round, site: evaluation.site, loss: loss))
                    metrics.record(loss: loss, site: evaluation.site)
                }
            }
            losses.withLock { all in
                all.removeAll { point in numbers.contains(point.version) }
                all.append(contentsOf: points)
                all.sort { ($0.version, $0.site) < ($1.version, $1.site) }
            }
        } catch {
            logger.warning("status: cannot read evaluations", metadata: ["error": "\(error)"])
        }
    }

    /// The enrolled sites, or none if the enrolments cannot be read now.
    func enrolledSites() -> [EnrolledSite] {
        (try? registry.sites()) ?? []
    }

    /// `/status`.
    public func report() async -> StatusReport {
        let snapshot = await coordinator.snapshot()
        let enrolled = enrolledSites()
        let activity = activity.withLock { $0 }
        let history = losses.withLock { $0 }
        let sessions = Dictionary(snapshot.sessions.map { ($0.site, $0) }, uniquingKeysWith: { a, _ in a })
        let names = Set(enrolled.map(\.name)).union(sessions.keys).sorted()
        let revoked = Set(enrolled.filter(\.isRevoked).map(\.name))
        let sites = names.map { name -> StatusReport.Site in
            let session = sessions[name]
            let seen = activity[name] ?? SiteActivity()
            let evaluation = history.last { $0.site == name }
            return StatusReport.Site(name: name, revoked: revoked.contains(name), connected: session != nil, since: session?.since,
                                     software: session?.software, protocolVersion: session?.protocolVersion,
                                     selected: snapshot.selected.contains(name), lastUpdateRound: seen.lastUpdateRound,
                                     lastUpdateAt: seen.lastUpdateAt, lastEvaluationVersion: evaluation?.version,
                                     lastEvaluationLoss: evaluation?.loss, refusals: seen.refusals)
        }
        return StatusReport(time: Date(), software: FedTwinVersion.software, phase: snapshot.phase, round: snapshot.round,
                            rounds: snapshot.rounds, deadline: snapshot.deadline, version: snapshot.version, minSites: snapshot.minSites,
                            waitingFor: snapshot.waitingFor, sites: sites, history: history)
    }

    /// `/metrics`: refreshed from a snapshot, then rendered.
    public func exposition() async -> [UInt8] {
        let snapshot = await coordinator.snapshot()
        metrics.refresh(snapshot, enrolledSites: enrolledSites().filter { !$0.isRevoked }.count)
        return metrics.exposition()
    }
}
