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

        // `twin scale`: the committed sum becomes the spec's consortium scaling.
        _ = try await ws.runOK("fedtwin", ["twin", "scale", "--statistics", fed.store, "--component-spec", spec, "--out", "scaled.json"])
        let scaledDoc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ws.path("scaled.json")))) as? [String: Any])
        let scaling = try #require(scaledDoc["scaling"] as? [String: Any])
        let mean = try #require(scaling["mean"] as? [Double]), std = try #require(scaling["std"] as? [Double])
        let (n, sum, sumsq) = (federated["stats.count"]!, federated["stats.sum"]!, federated["stats.sumsq"]!)
        #expect((scaling["names"] as? [String])?.count == n.count && mean.count == n.count && std.count == n.count)
        for i in n.indices {
            let m = sum[i] / n[i], variance = (sumsq[i] - n[i] * m * m) / (n[i] - 1)
            #expect(abs(mean[i] - m) <= 1e-9 * max(abs(m), 1), "mean[\(i)] \(mean[i]) vs Σx/n \(m)")
            #expect(abs(std[i] - variance.squareRoot()) <= 1e-6 * variance.squareRoot(), "std[\(i)] \(std[i]) vs \(variance.squareRoot())")
        }
        // Apart from the scaling, the written spec is the one the round ran on.
        var withoutScaling = scaledDoc
        withoutScaling["scaling"] = nil
        let original = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: spec))) as? NSDictionary)
        #expect(NSDictionary(dictionary: withoutScaling).isEqual(original))
        // A training store on the scaled spec records its hash.
        _ = try await ws.runOK("fedtwin", ["store", "init", "--store", "trained", "--component-spec", "scaled.json", "--coordinator-key", fed.coordinatorKey])
        let info = try Registry.open(path: ws.path("trained")).info()
        #expect(info.component.specHash == (try StoreSpecTests.sha256(ws.path("scaled.json"))))
        // twin evaluate --version takes the store's own spec (with its scaling); another file is refused.
        let evaluated = try await ws.runOK("fedtwin", ["twin", "evaluate", "--data", data["site-a"]!, "--version", "0", "--store", "trained", "--all", "--json"],
                                           timeout: 120)
        #expect(evaluated.contains("\"component\" : \"hybrid-penicillin\"") || evaluated.contains("\"component\":\"hybrid-penicillin\""), "\(evaluated)")
        let wrongSpec = try await ws.run("fedtwin", ["twin", "evaluate", "--data", data["site-a"]!, "--version", "0", "--store", "trained",
                                                     "--component-spec", spec])
        #expect(wrongSpec.status != 0 && wrongSpec.stderr.contains("is not the spec of trained"), "\(wrongSpec)")

        // Refused, with the reason: version 0, a store that is not a statistics round, another spec.
        for (arguments, reason) in [
            (["--statistics", fed.store, "--version", "0", "--component-spec", spec], "version 0 holds no statistics"),
            (["--statistics", "trained", "--component-spec", "scaled.json"], "not of a statistics round"),
            (["--statistics", fed.store, "--component-spec", Federation.repository.appendingPathComponent("sites/specs/cho.json").path], "another spec"),
        ] {
            let result = try await ws.run("fedtwin", ["twin", "scale"] + arguments + ["--out", "refused.json"])
            #expect(result.status != 0 && result.stderr.contains(reason), "\(arguments): \(result)")
        }
        #expect(!FileManager.default.fileExists(atPath: ws.path("refused.json")))
    }
}
