import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

/// The statistics round (`feature-statistics` of a component spec) end to end: real
/// coordinator and site processes over TCP, binary64 sums of (n, Σx, Σx²) per feature.
@Suite("Statistics round over TCP (real executables)", .serialized)
struct StatisticsFederationTests {
    static let sites = ["site-a", "site-b", "site-c"]

    static func doubles(_ tensors: [Tensor]) throws -> [String: [Double]] {
        var out: [String: [Double]] = [:]
        for t in tensors {
            guard case .f64(let d) = t.values else { throw IntegrationError("\(t.name) is not f64") }
            out[t.name] = d
        }
        return out
    }

    @Test("one round: the committed sum equals the sum of each site's own statistics (fedtwin twin train on the same data) to 1e-12 relative",
          .timeLimit(.minutes(3)))
    func federatedSumEqualsSitesStatistics() async throws {
        let ws = try Workspace("stats-round")
        defer { ws.cleanup() }
        let spec = Federation.repository.appendingPathComponent("sites/specs/penicillin.json").path
        let fed = try await Federation.make(ws, component: "feature-statistics", componentSpec: spec, sites: Self.sites)
        let data = try await fed.simulate(Self.sites, batchCount: 3)
        let (coordinator, port) = try await fed.startCoordinator(["--rounds", "1", "--min-sites", "3", "--round-deadline", "120",
                                                                  "--evaluation-deadline", "120"])
        for site in Self.sites { _ = try fed.startSite(site, port: port, data: data[site]) }
        try await coordinator.waitForExit(timeout: 150)
        #expect(coordinator.status == 0, "coordinator failed:\n\(coordinator.stderr)")
        let refusals = fed.auditEvents("site-rejected").map { "\($0.data["site"] ?? "?"): \($0.data["code"] ?? "?") \($0.data["reason"] ?? "")" }
        #expect(refusals.isEmpty, "sites refused frames: \(refusals)")
        #expect(try fed.manifest(1).component.id == "feature-statistics")

        let registry = try Registry.open(path: ws.path(fed.store))
        let federated = try Self.doubles(try registry.state(of: try registry.version(1)).parameters)
        #expect(federated.keys.sorted() == ["stats.count", "stats.sum", "stats.sumsq"])

        // Each site's statistics computed locally by the same component on the same split.
        var expected: [String: [Double]] = [:]
        for site in Self.sites {
            try await ws.runOK("fedtwin", ["twin", "train", "--data", data[site]!, "--component", "feature-statistics",
                                           "--component-spec", spec, "--out", "local/\(site)"], timeout: 120)
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ws.path("local/\(site)/parameters.json")))) as? [String: Any])
            for t in try #require(doc["tensors"] as? [[String: Any]]) {
                let name = try #require(t["name"] as? String), values = try #require(t["values"] as? [Double])
                expected[name] = expected[name].map { zip($0, values).map { $0 + $1 } } ?? values
            }
        }
        for (name, values) in expected {
            let got = try #require(federated[name])
            #expect(got.count == values.count && zip(got, values).allSatisfy { abs($0 - $1) <= 1e-12 * max(abs($0), abs($1), 1e-300) },
                    "\(name): federated \(got) vs sites \(values)")
        }
        #expect(federated["stats.count"]!.allSatisfy { $0 > 0 })
        let record = try #require(try fed.evaluation(1), "no evaluation of version 1:\n\(coordinator.stderr)")
        #expect(record.evaluations.map(\.site).sorted() == Self.sites)
        for e in record.evaluations { #expect(e.metrics["features"] == 6, "\(e.site): \(e.metrics)") }
    }
}
