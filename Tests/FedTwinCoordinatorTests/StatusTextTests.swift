import FedTwinCoordinator
import FedTwinStatus
import Foundation
import Logging
import Testing

/// What `fedtwin status` prints from a /status document, and when `--watch` stops.
struct StatusTextTests {
    static let now = ISO8601DateFormatter().date(from: "2027-01-15T08:00:00Z")!

    /// A site as /status shows it (the JSON the endpoint serves, decoded as `fedtwin status` does).
    static func site(_ name: String, connected: Bool = true) -> StatusReport.Site {
        let json = connected
            ? #"{"name":"\#(name)","revoked":false,"connected":true,"since":"2027-01-15T07:59:18Z","software":"fedtwin-site 0.9","protocolVersion":1,"selected":true,"refusals":{}}"#
            : #"{"name":"\#(name)","revoked":false,"connected":false,"selected":false,"refusals":{}}"#
        return try! JSONDecoder.status.decode(StatusReport.Site.self, from: Data(json.utf8))
    }

    static func report(phase: String, sites: [StatusReport.Site]) -> StatusReport {
        let json = #"{"time":"2027-01-15T08:00:00Z","software":"fedtwin-coordinator 0.9","phase":"\#(phase)","round":3,"rounds":5,"deadline":"2027-01-15T08:00:12Z","version":2,"minSites":2,"waitingFor":["site-b"],"sites":[],"history":[]}"#
        var report = try! JSONDecoder.status.decode(StatusReport.self, from: Data(json.utf8))
        report.sites = sites
        return report
    }

    @Test func theTableHasOneAlignedRowPerSite() {
        var a = Self.site("site-a")
        a.lastUpdateRound = 3
        a.lastEvaluationVersion = 2
        a.lastEvaluationLoss = 0.012345
        a.refusals = ["replay": 2, "bad-signature": 1]
        var c = Self.site("site-long-name", connected: false)
        c.revoked = true
        let text = Self.report(phase: "training", sites: [a, Self.site("site-b"), c]).rendered(now: Self.now)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines == [
            "fedtwin-coordinator 0.9 · phase training · round 3/5 · version 2 · deadline in 12 s",
            "waiting for: site-b",
            "site                      connected  since     software          proto  selected  last update  last evaluation  refusals",
            "site-a                    yes        42 s ago  fedtwin-site 0.9  1      yes       round 3      v2 loss 0.01235  bad-signature×1 replay×2",
            "site-b                    yes        42 s ago  fedtwin-site 0.9  1      yes       -            -                -",
            "site-long-name (revoked)  no         -         -                 -                -            -                -",
        ], "\(text)")
    }

    @Test func aReportWithoutSitesOrDeadlineStillRenders() {
        var r = Self.report(phase: "finished", sites: [])
        r.deadline = nil
        r.waitingFor = []
        #expect(r.rendered(now: Self.now).split(separator: "\n").map(String.init) == [
            "fedtwin-coordinator 0.9 · phase finished · round 3/5 · version 2", "waiting for: nobody",
            "site  connected  since  software  proto  selected  last update  last evaluation  refusals"])
        #expect(r.isFinal && !Self.report(phase: "evaluating", sites: []).isFinal)
    }

    /// Reports served in order; counts fetches.
    final class Script: @unchecked Sendable {
        var reports: [StatusReport]
        var fetched = 0
        init(_ reports: [StatusReport]) { self.reports = reports }
        func next() throws -> StatusReport {
            fetched += 1
            guard !reports.isEmpty else { throw CancellationError() }
            return reports.removeFirst()
        }
    }

    @Test func watchRedrawsUntilTheCoordinatorHasFinished() async throws {
        let script = Script(["waiting-for-quorum", "training", "finished", "training"].map { Self.report(phase: $0, sites: []) })
        var drawn: [String] = []
        let last = try await StatusWatch(watch: true, interval: .milliseconds(1)).run(fetch: { try script.next() }, draw: { drawn.append($0.phase) })
        #expect(drawn == ["waiting-for-quorum", "training", "finished"] && last.phase == "finished" && script.fetched == 3)
    }

    @Test func withoutWatchOneFetchAndWatchEndsWithAnErrorWhenTheCoordinatorGoesAway() async throws {
        let once = Script(["training", "training"].map { Self.report(phase: $0, sites: []) })
        var drawn = 0
        try await StatusWatch(watch: false, interval: .milliseconds(1)).run(fetch: { try once.next() }, draw: { _ in drawn += 1 })
        #expect(drawn == 1 && once.fetched == 1)
        let gone = Script(["training"].map { Self.report(phase: $0, sites: []) })
        await #expect(throws: CancellationError.self) {
            try await StatusWatch(watch: true, interval: .milliseconds(1)).run(fetch: { try gone.next() }, draw: { _ in })
        }
        #expect(gone.fetched == 2)
    }

    @Test func watchOverHTTPEndsOnceARealCoordinatorHasFinished() async throws {
        let (registry, coordinatorKey, sites, config) = try makeFederation(rounds: 1)
        let box = Box()
        let coordinator = try Coordinator(registry: registry, key: coordinatorKey, config: config, logger: Logger(label: "test"),
                                          onEvent: { box.observer?.observe($0) })
        box.observer = StatusObserver(coordinator: coordinator, registry: registry, logger: Logger(label: "test"))
        let (url, server) = try await StatusEndpointTests.serve(box.observer!)
        defer { server.cancel() }
        _ = try await runFederation(coordinator, sites: sites)
        var drawn = 0
        let last = try await StatusWatch(watch: true, interval: .milliseconds(10)).run(
            fetch: {
                let answer = try await StatusClient.get(host: "127.0.0.1", port: url.port!, path: "/status", tls: nil)
                return try JSONDecoder.status.decode(StatusReport.self, from: Data(answer.body))
            },
            draw: { _ in drawn += 1 })
        #expect(last.phase == "finished" && last.version == 1 && drawn == 1)
        #expect(last.rendered().contains("phase finished · round"))
    }
}
