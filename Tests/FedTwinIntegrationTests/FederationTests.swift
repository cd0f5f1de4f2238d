import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// End-to-end runs of the real executables (`fedtwin`, `fedtwin-coordinator`,
/// `fedtwin-site`) on 127.0.0.1 with ephemeral ports, each test in its own temporary
/// directory; every process a test starts is killed when it ends, pass or fail.
///
/// Serialized: each test runs a coordinator and up to four site processes, and the
/// machine has two cores.
@Suite("Federation over TCP (real executables)", .serialized)
struct FederationTests {
    static let noopSites = ["site-a", "site-b", "site-c"]

    // MARK: 1. rounds, replay verification, sent logs

    @Test("3 sites × 3 rounds: versions committed, verify --replay and audit pass, sent logs match the manifests",
          .timeLimit(.minutes(1)))
    func threeRoundsCommitAndVerify() async throws {
        let ws = try Workspace("rounds")
        defer { ws.cleanup() }
        let fed = try await Federation.make(ws, sites: Self.noopSites)
        let (coordinator, port) = try await fed.startCoordinator(["--rounds", "3", "--min-sites", "3", "--round-deadline", "20", "--evaluation-deadline", "10"])
        let workers = try Self.noopSites.map { try fed.startSite($0, port: port) }

        try await coordinator.waitForExit(timeout: 40)
        #expect(coordinator.status == 0, "coordinator failed:\n\(coordinator.stderr)")
        #expect(coordinator.stderr.contains("finished: all rounds done, latest version 3"), "\(coordinator.stderr)")
        for worker in workers {
            try await worker.waitForExit(timeout: 15)
            #expect(worker.status == 0, "\(worker.label) exited \(worker.status):\n\(worker.stderr)")
        }

        #expect(try await fed.listedVersions() == [0, 1, 2, 3])
        let verify = try await ws.run("fedtwin", ["models", "verify", "--all", "--replay", "--store", fed.store])
        #expect(verify.status == 0, "models verify --all --replay: \(verify)")
        #expect(verify.stdout.contains("replay"), "no replay check in the output: \(verify)")
        let audit = try await ws.run("fedtwin", ["audit", "verify", "--store", fed.store])
        #expect(audit.status == 0, "audit verify: \(audit)")

        // Every contribution in the manifests is an update frame some site logged as sent, byte for byte.
        var contributed: [String: Int] = [:]
        for version in 1...3 {
            let manifest = try fed.manifest(version)
            #expect(manifest.round == version)
            #expect(manifest.parent == version - 1)
            #expect(manifest.parentID == (try fed.versionID(version - 1)))
            #expect(manifest.contributions.map(\.site).sorted() == Self.noopSites)
            for contribution in manifest.contributions {
                let sent = fed.sentLog(contribution.site).filter { $0["type"] == "update" }
                let match = sent.first { $0["frame"] == contribution.update }
                #expect(match != nil, "version \(version): \(contribution.site)'s update \(contribution.update.prefix(12)) is not in its sent log")
                #expect(match?["round"] == String(version))
                #expect(match?["bytes"] == String(contribution.bytes))
                // The stored object is exactly the frame the site sent.
                let object = ws.path("\(fed.store)/objects/\(contribution.update.prefix(2))/\(contribution.update)")
                let bytes = try #require(FileManager.default.contents(atPath: object), "object \(contribution.update) missing")
                #expect(SHA256.hex(Array(bytes)) == contribution.update)
                contributed[contribution.site, default: 0] += 1
            }
            // Evaluation frames recorded for the version are ones the sites sent.
            let evaluations = try #require(try fed.evaluation(version), "no evaluation record for version \(version)")
            #expect(evaluations.evaluations.map(\.site).sorted() == Self.noopSites)
            for e in evaluations.evaluations {
                let sent = fed.sentLog(e.site).filter { $0["type"] == "evaluation" }.compactMap { $0["frame"] }
                #expect(sent.contains(e.frame), "version \(version): \(e.site)'s evaluation frame is not in its sent log")
            }
        }
        #expect(contributed == Dictionary(uniqueKeysWithValues: Self.noopSites.map { ($0, 3) }))
        for site in Self.noopSites {
            let types = fed.sentLog(site).compactMap { $0["type"] }
            #expect(types.first == "hello", "\(site)'s sent log does not start with hello: \(types)")
            #expect(types.filter { $0 == "update" }.count == 3, "\(site): \(types)")
            #expect(types.filter { $0 == "evaluation" }.count == 4, "\(site) evaluates versions 0–3: \(types)")
        }
    }

    // MARK: 2. held-out loss falls with the hybrid twin

    @Test("Hybrid bioreactor twin: held-out loss of the last version is lower than version 1's", .timeLimit(.minutes(1)))
    func heldOutLossFalls() async throws {
        let ws = try Workspace("loss")
        defer { ws.cleanup() }
        let fed = try await Federation.make(ws, component: "hybrid-bioreactor", sites: Self.noopSites)
        // Small simulated plants (6 batches each) keep debug-build training to about a second a round.
        try await fed.simulate(Self.noopSites, batchCount: 6)
        // Measured on this machine (debug build): epochs 2, lr 2e-3 gives a held-out loss
        // 0.0457 (v0) → 0.0435 → 0.0427 → 0.0418 (v3); the default lr 5e-3 overshoots by round 3.
        let (coordinator, port) = try await fed.startCoordinator([
            "--rounds", "3", "--min-sites", "3", "--round-deadline", "60", "--evaluation-deadline", "60",
            "--epochs", "2", "--learning-rate", "2e-3",
        ])
        for site in Self.noopSites {
            _ = try fed.startSite(site, port: port, data: "data/\(site)/data.json")
        }
        try await coordinator.waitForExit(timeout: 45)
        #expect(coordinator.status == 0, "coordinator failed:\n\(coordinator.stderr)")
        #expect(try await fed.listedVersions() == [0, 1, 2, 3])

        var losses: [Int: Double] = [:]
        for version in 0...3 {
            let record = try #require(try fed.evaluation(version), "no evaluation record for version \(version)")
            #expect(record.evaluations.count == 3, "version \(version) evaluated by \(record.evaluations.map(\.site))")
            let loss: Double = try #require(record.weightedMean("loss"), "no held-out loss for version \(version)")
            losses[version] = loss
        }
        let first = try #require(losses[1]), last = try #require(losses[3])
        #expect(last < first, "held-out loss did not fall: \((0...3).map { "v\($0) \(losses[$0]!)" }.joined(separator: ", "))")
        // `models list --json` shows the same held-out loss.
        let list = try await ws.runOK("fedtwin", ["models", "list", "--store", fed.store, "--json"])
        let rows = try #require((try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [String: Any])?["versions"] as? [[String: Any]])
        let listed = try #require(rows.first { $0["version"] as? Int == 3 }?["heldOutLoss"] as? Double, "no heldOutLoss for version 3 in:\n\(list)")
        #expect(abs(listed - last) <= 1e-12 * max(1, abs(last)), "models list says \(listed), the evaluation record \(last)")
        let verify = try await ws.run("fedtwin", ["models", "verify", "--all", "--replay", "--store", fed.store])
        #expect(verify.status == 0, "models verify --all --replay: \(verify)")
    }

    // MARK: 3. unknown and revoked keys

    @Test("A key that was never enrolled is refused (unknown-key) and audited", .timeLimit(.minutes(1)))
    func unenrolledKeyRefused() async throws {
        let ws = try Workspace("unknown-key")
        defer { ws.cleanup() }
        let fed = try await Federation.make(ws, sites: ["site-a"], unenrolled: ["site-x"])
        let (coordinator, port) = try await fed.startCoordinator(["--rounds", "1", "--min-sites", "1"])
        let intruder = try fed.startSite("site-x", port: port)
        try await intruder.waitForExit(timeout: 15)
        #expect(intruder.status != 0, "an unenrolled site kept running or exited 0:\n\(intruder.stderr)")
        #expect(intruder.stderr.contains("unknown-key"), "site stderr does not say unknown-key:\n\(intruder.stderr)")
        let refused = fed.auditEvents("hello-refused")
        #expect(refused.count == 1, "hello-refused entries: \(refused)")
        #expect(refused.first?.data["code"] == "unknown-key")
        #expect(fed.auditEvents("session-open").isEmpty)
        #expect(coordinator.isRunning, "the coordinator must keep serving after refusing a site")
        coordinator.signal(SIGTERM)
        try await coordinator.waitForExit(timeout: 10)
        #expect(coordinator.status == 0, "\(coordinator.stderr)")
        let audit = try await ws.run("fedtwin", ["audit", "verify", "--store", fed.store])
        #expect(audit.status == 0, "audit verify: \(audit)")
    }

    @Test("A revoked site is refused (revoked-key) and audited", .timeLimit(.minutes(1)))
    func revokedKeyRefused() async throws {
        let ws = try Workspace("revoked-key")
        defer { ws.cleanup() }
        let fed = try await Federation.make(ws, sites: ["site-a", "site-r"])
        try await ws.runOK("fedtwin", ["revoke", "--store", fed.store, "--name", "site-r", "--coordinator-key", fed.coordinatorKey])
        let (coordinator, port) = try await fed.startCoordinator(["--rounds", "1", "--min-sites", "1"])
        let revoked = try fed.startSite("site-r", port: port)
        try await revoked.waitForExit(timeout: 15)
        #expect(revoked.status != 0, "a revoked site kept running or exited 0:\n\(revoked.stderr)")
        #expect(revoked.stderr.contains("revoked-key"), "site stderr does not say revoked-key:\n\(revoked.stderr)")
        let refused = fed.auditEvents("hello-refused")
        #expect(refused.count == 1, "hello-refused entries: \(refused)")
        #expect(refused.first?.data["code"] == "revoked-key")
        #expect(refused.first?.data["site"] == "site-r")
        coordinator.signal(SIGTERM)
        try await coordinator.waitForExit(timeout: 10)
        #expect(coordinator.status == 0, "\(coordinator.stderr)")
    }

    // MARK: 4. replay

    @Test("A replayed update frame is refused (replay) and audited; the original counts once", .timeLimit(.minutes(1)))
    func replayedUpdateRefused() async throws {
        let ws = try Workspace("replay")
        defer { ws.cleanup() }
        let fed = try await Federation.make(ws, sites: ["site-a", "site-b", "site-r"])
        let (coordinator, port) = try await fed.startCoordinator(["--rounds", "1", "--min-sites", "3", "--round-deadline", "20", "--evaluation-deadline", "10"])
        let rogue = try await RogueSite.join(name: "site-r", keyPath: ws.path("keys/site-r.key"), port: port, fingerprint: fed.fingerprint)
        ws.atCleanup { Task { await rogue.drop() } }
        for site in ["site-a", "site-b"] { _ = try fed.startSite(site, port: port) }

        let task = try await rogue.task(round: 1, timeout: 20)
        let update = try await rogue.sendZeroUpdate(for: task)
        let seq = try MessageCodec().parse(update).claimedEnvelope.seq
        let ack = try await rogue.waitFor("the ack of the update (seq \(seq))", timeout: 10) { m in
            if case .ack(let a) = m.message { return a.ackSeq == seq } else { return false }
        }
        guard case .ack(let a) = ack.message else { return }
        #expect(a.storedID == SHA256.hex(update), "the coordinator stores the frame as received")
        await rogue.sendRaw(update)  // the very same bytes again
        let reject = try await rogue.reject(.replay, timeout: 10)
        #expect(reject.refSeq == seq)

        try await coordinator.waitForExit(timeout: 30)
        #expect(coordinator.status == 0, "\(coordinator.stderr)")
        let refused = fed.auditEvents("frame-refused").filter { $0.data["site"] == "site-r" }
        #expect(refused.map { $0.data["code"] } == ["replay"], "frame-refused for site-r: \(refused.map(\.data))")
        let accepted = fed.auditEvents("update-accepted").filter { $0.data["site"] == "site-r" }
        #expect(accepted.count == 1, "site-r's update must be accepted exactly once: \(accepted.map(\.data))")
        let manifest = try fed.manifest(1)
        #expect(manifest.contributions.map(\.site).sorted() == ["site-a", "site-b", "site-r"])
        #expect(manifest.contributions.first { $0.site == "site-r" }?.update == SHA256.hex(update))
        let verify = try await ws.run("fedtwin", ["models", "verify", "--all", "--replay", "--store", fed.store])
        #expect(verify.status == 0, "models verify --all --replay: \(verify)")
    }

    // MARK: 5. late update

    @Test("An update for a round that already closed is refused (late-update) and audited", .timeLimit(.minutes(1)))
    func lateUpdateRefused() async throws {
        let ws = try Workspace("late")
        defer { ws.cleanup() }
        let fed = try await Federation.make(ws, sites: ["site-a", "site-b", "site-r"])
        let (coordinator, port) = try await fed.startCoordinator(["--rounds", "2", "--min-sites", "2", "--round-deadline", "2", "--evaluation-deadline", "10"])
        // The rogue joins first so that it is selected for round 1.
        let rogue = try await RogueSite.join(name: "site-r", keyPath: ws.path("keys/site-r.key"), port: port, fingerprint: fed.fingerprint)
        ws.atCleanup { Task { await rogue.drop() } }
        for site in ["site-a", "site-b"] { _ = try fed.startSite(site, port: port) }

        let round1 = try await rogue.task(round: 1, timeout: 20)
        // Withhold it: round 1 closes at its deadline without us, then round 2 opens.
        let round2 = try await rogue.task(round: 2, timeout: 20)
        #expect(fed.auditEvents("version-committed").count >= 1)
        try await rogue.sendZeroUpdate(for: round1)
        let reject = try await rogue.reject(.lateUpdate, timeout: 10)
        #expect(reject.reason.contains("round 1"), "\(reject.reason)")
        // A timely update for round 2 is still accepted.
        try await rogue.sendZeroUpdate(for: round2)

        try await coordinator.waitForExit(timeout: 30)
        #expect(coordinator.status == 0, "\(coordinator.stderr)")
        let refused = fed.auditEvents("frame-refused").filter { $0.data["site"] == "site-r" }
        #expect(refused.map { $0.data["code"] } == ["late-update"], "frame-refused for site-r: \(refused.map(\.data))")
        #expect(refused.first?.data["round"] == "1")
        #expect(!(try fed.manifest(1)).contributions.contains { $0.site == "site-r" }, "version 1 must not contain the withheld update")
        #expect(fed.auditEvents("round-deadline").contains { $0.data["round"] == "1" })
        #expect((try fed.manifest(2)).contributions.contains { $0.site == "site-r" }, "site-r's round-2 update should be in version 2")
        let verify = try await ws.run("fedtwin", ["models", "verify", "--all", "--replay", "--store", fed.store])
        #expect(verify.status == 0, "models verify --all --replay: \(verify)")
    }

    // MARK: 6. drops and rejoins

    @Test("A site that drops mid-round does not hold the round to its deadline; a killed site rejoins and contributes",
          .timeLimit(.minutes(1)))
    func droppedSiteDoesNotStallAndKilledSiteRejoins() async throws {
        let ws = try Workspace("drop")
        defer { ws.cleanup() }
        let real = Self.noopSites
        let fed = try await Federation.make(ws, sites: real + ["site-r"])
        let deadline = 5.0
        let (coordinator, port) = try await fed.startCoordinator([
            "--rounds", "4", "--min-sites", "2", "--round-deadline", String(deadline), "--evaluation-deadline", "10",
        ])
        // The rogue joins first, so it is in every round and paces them: a round cannot
        // close before it answers, drops, or the deadline passes.
        let rogue = try await RogueSite.join(name: "site-r", keyPath: ws.path("keys/site-r.key"), port: port, fingerprint: fed.fingerprint)
        ws.atCleanup { Task { await rogue.drop() } }
        var workers = try real.map { try fed.startSite($0, port: port) }

        // Round 1: hold it until every real site has joined, so all four are in round 2.
        let round1 = try await rogue.task(round: 1, timeout: 20)
        try await eventually("all sites joined", timeout: 10, context: { coordinator.stderr }) {
            real.allSatisfy { coordinator.stderr.contains("site \($0) joined") }
        }
        try await rogue.sendZeroUpdate(for: round1)

        // Round 2: once site-c's update is in, SIGKILL it and start it again; the round
        // stays open (the rogue holds it) until site-c has rejoined.
        let round2 = try await rogue.task(round: 2, timeout: 20)
        // (Live state comes from the progress lines: the coordinator buffers audit entries
        // during a round and writes them at the next state change.)
        try await eventually("site-c's round-2 update", timeout: 10, context: { coordinator.stderr }) {
            coordinator.reportedUpdate(round: 2, site: "site-c")
        }
        workers[2].signal(SIGKILL)
        try await workers[2].waitForExit(timeout: 5)
        try await eventually("the coordinator to notice site-c left", timeout: 10, context: { coordinator.stderr }) {
            coordinator.stderr.contains("site site-c left")
        }
        workers[2] = try fed.startSite("site-c", port: port, label: "site-c-restarted")
        try await eventually("site-c to rejoin", timeout: 10, context: { coordinator.stderr }) {
            coordinator.stderrCount("site site-c joined") == 2
        }
        try await rogue.sendZeroUpdate(for: round2)

        // Round 3: the rogue takes the task and drops its connection without answering.
        _ = try await rogue.task(round: 3, timeout: 20)
        try await eventually("the real sites' round-3 updates", timeout: 10, context: { coordinator.stderr }) {
            real.allSatisfy { coordinator.reportedUpdate(round: 3, site: $0) }
        }
        let dropped = ContinuousClock.now
        await rogue.drop()
        try await eventually("version 3 committed", timeout: deadline + 10, context: { coordinator.stderr }) {
            coordinator.stderr.contains("committed version 3")
        }
        let waited = (ContinuousClock.now - dropped)
        #expect(waited < .seconds(deadline / 2), "round 3 took \(waited) after the drop to commit (deadline \(deadline) s)")
        #expect(!fed.auditEvents("round-deadline").contains { $0.data["round"] == "3" }, "round 3 ran into its deadline")
        let missing = fed.auditEvents("round-closed-with-missing-sites").first { $0.data["round"] == "3" }
        #expect(missing?.data["missing"] == "site-r", "round-closed-with-missing-sites: \(String(describing: missing?.data))")

        try await coordinator.waitForExit(timeout: 30)
        #expect(coordinator.status == 0, "\(coordinator.stderr)")
        #expect(try await fed.listedVersions() == [0, 1, 2, 3, 4])
        #expect(coordinator.stderrCount("site site-c joined") == 2)
        let sessions = fed.auditEvents("session-open").filter { $0.data["site"] == "site-c" }
        #expect(sessions.count == 2, "site-c sessions: \(sessions.map(\.data))")
        // The restarted site-c contributes to versions 3 and 4, from its second session.
        let secondSession = try #require(sessions.last?.data["session"])
        let sentInSecond = Set(fed.sentLog("site-c").filter { $0["type"] == "update" && $0["session"] == secondSession }.compactMap { $0["frame"] })
        for version in [3, 4] {
            let manifest = try fed.manifest(version)
            #expect(manifest.contributions.map(\.site).sorted() == real, "version \(version): \(manifest.contributions.map(\.site))")
            let c = manifest.contributions.first { $0.site == "site-c" }
            #expect(c.map { sentInSecond.contains($0.update) } == true, "version \(version): site-c's update is not from its restarted session")
        }
        #expect((try fed.manifest(2)).contributions.map(\.site).sorted() == real + ["site-r"])
        for worker in workers {
            try await worker.waitForExit(timeout: 15)
            #expect(worker.status == 0, "\(worker.label):\n\(worker.stderr)")
        }
        let verify = try await ws.run("fedtwin", ["models", "verify", "--all", "--replay", "--store", fed.store])
        #expect(verify.status == 0, "models verify --all --replay: \(verify)")
    }

    // MARK: 7. stop and resume

    @Test("Coordinator stopped with SIGTERM after version 2 resumes at round 3 and chains versions 3 and 4",
          .timeLimit(.minutes(1)))
    func coordinatorStopsAndResumes() async throws {
        let ws = try Workspace("resume")
        defer { ws.cleanup() }
        let real = ["site-a", "site-b"]
        let fed = try await Federation.make(ws, sites: real + ["site-r"])
        let (first, port) = try await fed.startCoordinator([
            "--rounds", "4", "--min-sites", "2", "--round-deadline", "30", "--evaluation-deadline", "10",
        ])
        // The rogue answers rounds 1 and 2 and holds round 3 open, so the stop lands after
        // version 2 whatever the scheduling.
        let rogue = try await RogueSite.join(name: "site-r", keyPath: ws.path("keys/site-r.key"), port: port, fingerprint: fed.fingerprint)
        ws.atCleanup { Task { await rogue.drop() } }
        let workers = try real.map { try fed.startSite($0, port: port) }
        for round in 1...2 {
            let task = try await rogue.task(round: UInt64(round), timeout: 20)
            try await rogue.sendZeroUpdate(for: task)
        }
        _ = try await rogue.task(round: 3, timeout: 20)
        first.signal(SIGTERM)
        try await first.waitForExit(timeout: 15)
        #expect(first.status == 0, "coordinator did not stop cleanly:\n\(first.stderr)")
        #expect(first.stderr.contains("stopping (SIGTERM)"), "\(first.stderr)")
        await rogue.drop()
        #expect(try await fed.listedVersions() == [0, 1, 2], "only versions up to 2 may exist after the stop")
        #expect(fed.auditEvents("round-abandoned").contains { $0.data["round"] == "3" })
        #expect(fed.auditEvents("coordinator-stopped").last?.data["version"] == "2")
        let verifyStopped = try await ws.run("fedtwin", ["models", "verify", "--all", "--replay", "--store", fed.store])
        #expect(verifyStopped.status == 0, "store after the stop: \(verifyStopped)")

        // Same port: the site workers are still running and reconnect on their own.
        let (second, _) = try await fed.startCoordinator(["--rounds", "4", "--min-sites", "2", "--round-deadline", "30", "--evaluation-deadline", "10"],
                                                         port: port, label: "coordinator-restarted")
        try await second.waitForExit(timeout: 40)
        #expect(second.status == 0, "restarted coordinator failed:\n\(second.stderr)")
        #expect(second.stderr.contains("store at version 2; next round 3"), "\(second.stderr)")
        #expect(!second.stderr.contains("round 1/"), "the restarted coordinator ran round 1 again")
        #expect(try await fed.listedVersions() == [0, 1, 2, 3, 4])
        for version in 3...4 {
            let manifest = try fed.manifest(version)
            #expect(manifest.round == version)
            #expect(manifest.parent == version - 1)
            #expect(manifest.parentID == (try fed.versionID(version - 1)), "version \(version) does not chain to \(version - 1)")
            #expect(manifest.contributions.map(\.site).sorted() == real)
        }
        for worker in workers {
            try await worker.waitForExit(timeout: 15)
            #expect(worker.status == 0, "\(worker.label):\n\(worker.stderr)")
        }
        let verify = try await ws.run("fedtwin", ["models", "verify", "--all", "--replay", "--store", fed.store])
        #expect(verify.status == 0, "models verify --all --replay: \(verify)")
        let audit = try await ws.run("fedtwin", ["audit", "verify", "--store", fed.store])
        #expect(audit.status == 0, "audit verify: \(audit)")
    }

    // MARK: 8. tamper evidence

    @Test("An edited audit entry and a flipped byte in an object are detected by verify", .timeLimit(.minutes(1)))
    func tamperingIsDetected() async throws {
        let ws = try Workspace("tamper")
        defer { ws.cleanup() }
        let sites = ["site-a", "site-b"]
        let fed = try await Federation.make(ws, sites: sites)
        let (coordinator, port) = try await fed.startCoordinator(["--rounds", "2", "--min-sites", "2", "--round-deadline", "20", "--evaluation-deadline", "10"])
        for site in sites { _ = try fed.startSite(site, port: port) }
        try await coordinator.waitForExit(timeout: 30)
        #expect(coordinator.status == 0, "\(coordinator.stderr)")
        let clean = try await ws.run("fedtwin", ["models", "verify", "--all", "--store", fed.store])
        try #require(clean.status == 0, "the untouched store must verify: \(clean)")

        // Edit one digit of the "samples" value of an update-accepted entry.
        let auditPath = ws.path("\(fed.store)/audit.log")
        let original = try String(contentsOfFile: auditPath, encoding: .utf8)
        var lines = original.components(separatedBy: "\n")
        let index = try #require(lines.firstIndex { $0.contains(#""event":"update-accepted""#) && $0.contains(#""samples":"1""#) },
                                 "no update-accepted entry with samples 1 in:\n\(original)")
        let seq = try JSONDecoder().decode(AuditEntry.self, from: Data(lines[index].utf8)).seq
        lines[index] = lines[index].replacingOccurrences(of: #""samples":"1""#, with: #""samples":"2""#)
        try lines.joined(separator: "\n").write(toFile: auditPath, atomically: false, encoding: .utf8)

        let auditVerify = try await ws.run("fedtwin", ["audit", "verify", "--store", fed.store])
        #expect(auditVerify.status == 1, "audit verify must fail on an edited entry: \(auditVerify)")
        #expect(auditVerify.stdout.contains("audit entry \(seq) "), "audit verify must name entry \(seq): \(auditVerify)")
        let modelsVerify = try await ws.run("fedtwin", ["models", "verify", "--all", "--store", fed.store])
        #expect(modelsVerify.status == 1, "models verify must fail on an edited audit entry: \(modelsVerify)")
        #expect(modelsVerify.stdout.contains("audit entry \(seq) "), "models verify must name entry \(seq): \(modelsVerify)")

        try original.write(toFile: auditPath, atomically: false, encoding: .utf8)
        let restored = try await ws.run("fedtwin", ["models", "verify", "--all", "--store", fed.store])
        #expect(restored.status == 0, "restored store must verify again: \(restored)")

        // Flip one bit in the middle of an update object.
        let update = try #require(try fed.manifest(1).contributions.first?.update)
        let objectPath = ws.path("\(fed.store)/objects/\(update.prefix(2))/\(update)")
        var bytes = try #require(FileManager.default.contents(atPath: objectPath))
        bytes[bytes.count / 2] ^= 0x01
        try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: objectPath)
        try bytes.write(to: URL(fileURLWithPath: objectPath))
        let objectVerify = try await ws.run("fedtwin", ["models", "verify", "--all", "--store", fed.store])
        #expect(objectVerify.status == 1, "models verify must fail on a corrupted object: \(objectVerify)")
        #expect(objectVerify.stdout.contains(update), "models verify must name object \(update): \(objectVerify)")
    }
}
