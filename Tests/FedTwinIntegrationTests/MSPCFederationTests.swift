import FedTwinRegistry
import Foundation
import Testing

/// The `mspc-monitor` component end to end: sites send binary64 sufficient statistics, the
/// coordinator sums them in one round and sends the sum back for evaluation.
@Suite("MSPC federation over TCP (real executables)", .serialized)
struct MSPCFederationTests {
    static let sites = ["site-a", "site-b", "site-c"]

    @Test("One mspc-monitor round: every site's evaluation is accepted, nothing waits out a deadline, and the monitor's limits are ordered",
          .timeLimit(.minutes(2)))
    func oneRoundEvaluationsAccepted() async throws {
        let ws = try Workspace("mspc")
        defer { ws.cleanup() }
        let fed = try await Federation.make(ws, component: "mspc-monitor", sites: Self.sites)
        // 24 batches a site: 54 reference batches over 147 columns give a residual spectrum
        // with h0 < 0 (−0.042 when measured), where the Jackson–Mudholkar limits were inverted.
        let data = try await fed.simulate(Self.sites, batchCount: 24)
        // Deadlines far above the run's length: waiting one out fails the time check below.
        let (coordinator, port) = try await fed.startCoordinator(["--rounds", "1", "--min-sites", "3", "--round-deadline", "120",
                                                                  "--evaluation-deadline", "120"])
        let started = ContinuousClock.now
        for site in Self.sites { _ = try fed.startSite(site, port: port, data: data[site]) }
        try await coordinator.waitForExit(timeout: 100)
        let elapsed = (ContinuousClock.now - started).components.seconds
        #expect(coordinator.status == 0, "coordinator failed:\n\(coordinator.stderr)")
        #expect(elapsed < 60, "one round took \(elapsed) s:\n\(coordinator.stderr)")

        let refusals = fed.auditEvents("site-rejected").map { "\($0.data["site"] ?? "?"): \($0.data["code"] ?? "?") \($0.data["reason"] ?? "")" }
        #expect(refusals.isEmpty, "sites refused frames: \(refusals)")
        // Version 0 of a sum component is the empty statistics: not sent for evaluation.
        #expect(try fed.evaluation(0) == nil)
        let record = try #require(try fed.evaluation(1), "no evaluation record for version 1:\n\(coordinator.stderr)")
        #expect(record.evaluations.map(\.site).sorted() == Self.sites)
        let manifest = try fed.manifest(1)
        for e in record.evaluations {
            #expect(e.metrics["reference_batches"] == Double(manifest.totalSamples), "\(e.site): \(e.metrics)")
            #expect(e.metrics["in_control_99"] != nil, "\(e.site): \(e.metrics)")
        }
        for site in Self.sites {
            #expect(coordinator.stderrCount("site \(site) joined") == 1, "\(site) reconnected:\n\(coordinator.stderr)")
        }

        // The sites' evaluation saw the same statistics `fedtwin monitor` reads from the store.
        let out = try await ws.runOK("fedtwin", ["monitor", "--store", fed.store, "--version", "1", "--allow-unreleased", "data/site-a/batches.csv",
                                                 "--data-config", "data/site-a/data.json", "--json"])
        let report = try #require((try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])?["report"] as? [String: Any])
        let batches = try #require(report["batches"] as? [[String: Any]])
        #expect(batches.count == 24)
        for b in batches {
            let q95 = try #require(b["speLimit95"] as? Double), q99 = try #require(b["speLimit99"] as? Double)
            let t95 = try #require(b["t2Limit95"] as? Double), t99 = try #require(b["t2Limit99"] as? Double)
            #expect(q99 > q95 && t99 > t95, "limits out of order: \(b)")
        }
        // site-a's own batches, 18 of them reference batches, are in control (23 of 24 when
        // measured; with the inverted limits nearly all were out of control).
        let outOfControl = batches.filter { $0["verdict"] as? String == "out of control" }.count
        #expect(outOfControl <= 3, "\(outOfControl) of site-a's 24 batches out of control:\n\(out)")
    }

    @Test("A version the sites cannot evaluate (2 reference batches) is declined with a reject; the coordinator stops waiting at once",
          .timeLimit(.minutes(2)))
    func undecidableVersionDeclinedPromptly() async throws {
        let ws = try Workspace("mspc-declined")
        defer { ws.cleanup() }
        let sites = ["site-a", "site-b"]
        let fed = try await Federation.make(ws, component: "mspc-monitor", sites: sites)
        // One batch each: one for training (the split keeps at least one), so the sum holds 2.
        let data = try await fed.simulate(sites, batchCount: 1)
        let (coordinator, port) = try await fed.startCoordinator(["--rounds", "1", "--min-sites", "2", "--round-deadline", "120",
                                                                  "--evaluation-deadline", "120"])
        let started = ContinuousClock.now
        for site in sites { _ = try fed.startSite(site, port: port, data: data[site]) }
        try await coordinator.waitForExit(timeout: 100)
        let elapsed = (ContinuousClock.now - started).components.seconds
        #expect(coordinator.status == 0, "coordinator failed:\n\(coordinator.stderr)")
        #expect(elapsed < 60, "the coordinator waited for declined evaluations (\(elapsed) s):\n\(coordinator.stderr)")
        #expect(try fed.manifest(1).totalSamples < 3)
        let declined = fed.auditEvents("site-rejected")
        #expect(declined.map { $0.data["site"] ?? "" }.sorted() == sites, "\(declined)")
        #expect(declined.allSatisfy { $0.data["code"] == "internal-error" && ($0.data["reason"] ?? "").contains("cannot evaluate version 1") },
                "\(declined)")
        #expect(try fed.evaluation(1) == nil)
        for site in sites {
            // Declining is an answer, not a reason to drop the session and reconnect.
            #expect(coordinator.stderrCount("site \(site) joined") == 1, "\(site) reconnected:\n\(coordinator.stderr)")
        }
    }
}
