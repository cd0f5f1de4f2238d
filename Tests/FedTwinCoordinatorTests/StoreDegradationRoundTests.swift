import FedTwinAggregation
import FedTwinCoordinator
import FedTwinRegistry
import FedTwinTransport
import FedTwinWire
import Foundation
import Logging
import Synchronization
import Testing

/// Rule 4 at the coordinator: the store degrades, the federation goes on.
@Suite("Store degradation in the round loop")
struct StoreDegradationRoundTests {
    /// A two-site federation on `storage` (sites site-a, site-b; site-c enrolled, not run).
    struct Federation {
        let registry: Registry
        let key: SigningKey
        let sites: [ScriptedSite]
        let absent: ScriptedSite
        var config: CoordinatorConfiguration

        init(storage: any RegistryStorage, rounds: Int) throws {
            key = try SigningKey.generate()
            let schema = ParameterSchema(tensors: [TensorSpec(name: "w", dtype: .f32, shape: [4])])
            registry = try Registry.create(storage: storage, component: ComponentSpec(id: "test", schema: schema, aggregation: .mean),
                                           initialParameters: [Tensor(name: "w", shape: [4], floats: [1, 2, 3, 4])],
                                           signer: key, software: "test")
            var sites: [ScriptedSite] = []
            for (name, delta, samples) in [("site-a", Float(0.5), 1), ("site-b", Float(0.25), 3), ("site-c", Float(1), 1)] {
                let siteKey = try SigningKey.generate()
                try registry.enroll(name: name, key: siteKey.publicKey, signer: key)
                sites.append(ScriptedSite(name: name, key: siteKey, delta: delta, samples: samples))
            }
            self.sites = Array(sites.prefix(2))
            absent = sites[2]
            config = CoordinatorConfiguration()
            config.rounds = rounds
            config.minSites = 2
            config.roundDeadlineSeconds = 10
            config.evaluationDeadlineSeconds = 0
            config.insecure = true
        }

        func coordinator(onEvent: @escaping @Sendable (CoordinatorEvent) -> Void = { _ in }) throws -> Coordinator {
            try Coordinator(registry: registry, key: key, config: config, logger: Logger(label: "test"), onEvent: onEvent,
                            storeRetryInterval: .milliseconds(50))
        }

        /// Runs the round loop to its end with both sites connected; the sites' reject codes.
        func run(_ coordinator: Coordinator) async throws -> [ReasonCode] {
            try await runFederation(coordinator, sites: sites)
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aFullDiskPausesTheRoundLoopAndItResumesWhenSpaceReturns() async throws {
        let disk = SimulatedDiskStorage()
        let federation = try Federation(storage: disk, rounds: 3)
        let events = Mutex<[CoordinatorEvent]>([])
        let coordinator = try federation.coordinator { event in
            let first = events.withLock { events in
                events.append(event)
                return events.filter { $0 == event }.count == 1
            }
            switch event {
            case .roundStarted(round: 2, _, _) where first:
                disk.setFreeBytes(0)  // the disk fills up as round 2 first starts
            case .storePaused:
                Task {
                    try await Task.sleep(for: .milliseconds(300))
                    disk.setFreeBytes(nil)  // the operator frees space
                }
            default:
                break
            }
        }
        _ = try await federation.run(coordinator)  // returns: the coordinator did not exit on ENOSPC

        let seen = events.withLock { $0 }
        let paused = seen.compactMap { event -> String? in
            if case .storePaused(_, let code, _, _) = event { return code }
            return nil
        }
        #expect(paused.first == "no-space")
        #expect(seen.contains { if case .storeResumed = $0 { return true } else { return false } })
        #expect(seen.contains(.finished(version: 3)))
        #expect(try federation.registry.latestVersion().manifest.round == 3)
        let audit = try federation.registry.auditEntries()
        #expect(audit.contains { $0.event == "store-paused" && $0.data["code"] == "no-space" })
        #expect(audit.contains { $0.event == "store-resumed" })
        #expect(federation.registry.verify(replay: true).passed, "\(federation.registry.verify(replay: true).failures)")
    }

    @Test(.timeLimit(.minutes(1)))
    func aDiskThatFillsBeforeTheCommitPausesItAndTheRoundIsCommittedWithItsUpdates() async throws {
        let disk = SimulatedDiskStorage()
        let federation = try Federation(storage: disk, rounds: 2)
        let paused = Mutex<[String]>([])
        let coordinator = try federation.coordinator { event in
            switch event {
            case .updateReceived(round: 2, _, reported: 2, _, _, _):
                disk.setFreeBytes(0)  // both updates are stored; the commit finds the disk full
            case .storePaused(let what, _, _, _):
                paused.withLock { $0.append(what) }
                Task {
                    try await Task.sleep(for: .milliseconds(200))
                    disk.setFreeBytes(nil)
                }
            default:
                break
            }
        }
        _ = try await federation.run(coordinator)

        #expect(paused.withLock { $0 } == ["commit round 2"])
        let latest = try federation.registry.latestVersion()
        #expect(latest.number == 2)
        #expect(latest.manifest.contributions.map(\.site) == ["site-a", "site-b"])
        #expect(federation.registry.verify(replay: true).passed, "\(federation.registry.verify(replay: true).failures)")
    }

    @Test(.timeLimit(.minutes(1)))
    func aCommitWhoseAuditEntryFailedAfterItsManifestIsTakenAsCommittedOnRetry() async throws {
        let disk = SimulatedDiskStorage()
        let federation = try Federation(storage: disk, rounds: 3)
        let paused = Mutex<[String]>([])
        let coordinator = try federation.coordinator { event in
            switch event {
            case .updateReceived(round: 2, _, reported: 2, _, _, _):
                disk.setAppendsFail(true)  // the manifest will be written, its audit entry will not
            case .storePaused(let what, _, _, _):
                paused.withLock { $0.append(what) }
                Task {
                    try await Task.sleep(for: .milliseconds(200))
                    disk.setAppendsFail(false)
                }
            default:
                break
            }
        }
        _ = try await federation.run(coordinator)

        #expect(paused.withLock { $0 }.first == "commit round 2")
        #expect(try federation.registry.versionNumbers() == [0, 1, 2, 3])
        #expect(try federation.registry.version(2).manifest.round == 2)
        let audit = try federation.registry.auditEntries()
        #expect(audit.contains { $0.event == "version-committed-recovered" && $0.data["version"] == "2" })
        #expect(federation.registry.verify(replay: true).passed, "\(federation.registry.verify(replay: true).failures)")
    }

    @Test(.timeLimit(.minutes(1)))
    func aDamagedAuditTailPausesTheCoordinatorUntilItIsQuarantined() async throws {
        let storage = InMemoryStorage()
        let federation = try Federation(storage: storage, rounds: 2)
        storage.tamper("audit.log") { $0 += Array("garbage appended by hand\n".utf8) }
        let reasons = Mutex<[String]>([])
        let registry = federation.registry
        let key = federation.key
        let coordinator = try federation.coordinator { event in
            guard case .storePaused(_, let code, let reason, _) = event, code == "audit-damaged" else { return }
            reasons.withLock { $0.append(reason) }
            Task { try registry.quarantineAuditTail(signer: key) }  // what the operator runs
        }
        _ = try await federation.run(coordinator)

        let reason = try #require(reasons.withLock { $0.first })
        #expect(reason.contains("fedtwin audit quarantine"))
        #expect(try registry.latestVersion().number == 2)
        let audit = try registry.auditEntries()
        #expect(audit.contains { $0.event == "audit-tail-quarantined" })
        #expect(registry.verifyAudit().passed)
        #expect(try registry.auditDamage() == nil)
    }

    @Test(.timeLimit(.minutes(1)))
    func anAuditTailDamagedMidRoundHoldsTheCommitNotTheRound() async throws {
        let storage = InMemoryStorage()
        let federation = try Federation(storage: storage, rounds: 2)
        let registry = federation.registry
        let key = federation.key
        let paused = Mutex<[String]>([])
        let coordinator = try federation.coordinator { event in
            switch event {
            case .updateReceived(round: 1, _, reported: 1, _, _, _):
                storage.tamper("audit.log") { $0 += Array("garbage\n".utf8) }
            case .storePaused(let what, let code, _, _) where code == "audit-damaged":
                paused.withLock { $0.append(what) }
                Task { try registry.quarantineAuditTail(signer: key) }
            default:
                break
            }
        }
        _ = try await federation.run(coordinator)

        #expect(paused.withLock { $0 } == ["commit round 1"])
        // The round was not cut short: both updates are in version 1.
        #expect(try registry.version(1).manifest.contributions.map(\.site) == ["site-a", "site-b"])
        #expect(try registry.latestVersion().number == 2)
        // The events buffered while the log refused appends were written after the quarantine.
        let audit = try registry.auditEntries()
        let quarantined = try #require(audit.firstIndex { $0.event == "audit-tail-quarantined" })
        #expect(audit[quarantined...].contains { $0.event == "update-accepted" && $0.data["round"] == "1" })
        #expect(registry.verify(replay: true).passed, "\(registry.verify(replay: true).failures)")
    }

    @Test(.timeLimit(.minutes(1)))
    func aCorruptEnrolmentRefusesOnlyItsSiteNamingTheFile() async throws {
        let storage = InMemoryStorage()
        let federation = try Federation(storage: storage, rounds: 1)
        storage.tamper("sites/site-c.json") { $0 = Array($0.prefix(20)) }
        let coordinator = try federation.coordinator()
        // The site whose enrolment is damaged is refused, naming the file ...
        let (siteEnd, coordinatorEnd) = InMemoryFrameConnection.makePair()
        async let served: Void = coordinator.serve(coordinatorEnd)
        let codes = try await federation.absent.run(siteEnd)
        await served
        #expect(codes == [.unknownKey])
        let refused = try #require(try federation.registry.auditEntries().last { $0.event == "hello-refused" })
        #expect(refused.data["detail"]?.contains("sites/site-c.json") == true)
        // The peer is not authenticated: what it is told names no file and no site.
        #expect(refused.data["reason"] == "key \(federation.absent.key.publicKey.fingerprint.short) is not enrolled")
        // ... and the other sites federate as before.
        let rejects = try await federation.run(coordinator)
        #expect(rejects.isEmpty)
        #expect(try federation.registry.latestVersion().number == 1)
    }

    @Test(.timeLimit(.minutes(1)))
    func anEmptyLatestManifestIsSetAsideAndTheCoordinatorResumesFromThePreviousVersion() async throws {
        let storage = InMemoryStorage()
        var federation = try Federation(storage: storage, rounds: 1)
        _ = try await federation.run(try federation.coordinator())
        #expect(try federation.registry.latestVersion().number == 1)
        // A power loss left version 1's manifest empty (its rename reached the disk, its data did not).
        storage.tamper("versions/000001.json") { $0 = [] }
        federation.config.rounds = 2
        let events = Mutex<[CoordinatorEvent]>([])
        let coordinator = try federation.coordinator { event in events.withLock { $0.append(event) } }
        _ = try await federation.run(coordinator)

        #expect(events.withLock { $0 }.contains(.resumed(version: 0, nextRound: 1)))
        #expect(try federation.registry.latestVersion().number == 2)
        #expect(try federation.registry.auditEntries().contains { $0.event == "version-set-aside" && $0.data["version"] == "1" })
        #expect(federation.registry.verify(replay: true).passed)
    }
}
