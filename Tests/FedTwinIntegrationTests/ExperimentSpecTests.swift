import Foundation
import Testing

/// Issue 12 §3: `fedtwin experiment --component-spec SPEC --data … --json` for both shipped
/// specs on small fixture data (real coordinator and site processes), one row per seed.
/// Each takes minutes in a debug build on two shared cores (one seed of the penicillin run
/// took ~4 min: two federations and six trainings), so the suite runs them only with
/// `FEDTWIN_EXPERIMENT_TESTS=1 swift test --filter ExperimentSpecTests`.
@Suite("fedtwin experiment with a component spec", .serialized,
       .enabled(if: ProcessInfo.processInfo.environment["FEDTWIN_EXPERIMENT_TESTS"] != nil, "set FEDTWIN_EXPERIMENT_TESTS=1 (minutes in debug)"))
struct ExperimentSpecTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Simulates `sites` from their shipped profiles with four batches each; penicillin CSVs
    /// are thinned to every 8th row and every assayed one.
    static func fixtures(_ ws: Workspace, _ sites: [String], thin: Bool) async throws {
        for site in sites {
            var profile = try #require(try JSONSerialization.jsonObject(
                with: Data(contentsOf: repo.appendingPathComponent("sites/\(site)/profile.json"))) as? [String: Any])
            profile["batchCount"] = 4
            try FileManager.default.createDirectory(atPath: ws.path("p/\(site)"), withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: ws.path("p/\(site)/profile.json")))
            try await ws.runOK("fedtwin", ["data", "simulate", "--site", "p/\(site)", "--out", site])
            guard thin else { continue }
            let csv = try #require(ws.read("\(site)/batches.csv")).split(separator: "\n")
            let kept = [csv[0]] + csv.dropFirst().enumerated().filter {
                $0.offset % 8 == 0 || !$0.element.split(separator: ",", omittingEmptySubsequences: false)[2].isEmpty
            }.map(\.element)
            try kept.joined(separator: "\n").write(toFile: ws.path("\(site)/batches.csv"), atomically: true, encoding: .utf8)
        }
    }

    static func check(_ out: String, sites: [String], seeds: [Int], variables: Set<String>, component: String) throws {
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], "\(out)")
        #expect(doc["schema"] as? String == "fedtwin-experiment/1")
        #expect(doc["component"] as? String == component)
        let results = try #require(doc["results"] as? [[String: Any]])
        // Per seed and site: 2 models × 3 trainings + mechanistic.
        #expect(results.count == seeds.count * sites.count * 7)
        var seen = Set<String>()
        for r in results {
            let site = try #require(r["site"] as? String), model = try #require(r["model"] as? String)
            let training = try #require(r["training"] as? String), seed = try #require(r["seed"] as? Int)
            #expect(sites.contains(site) && seeds.contains(seed))
            let trainings: Set<String> = model == "mechanistic" ? ["none"] : ["local", "federated", "pooled"]
            #expect(["hybrid", "network-only", "mechanistic"].contains(model) && trainings.contains(training), "\(r)")
            #expect(r["error"] is NSNull, "\(r)")
            let titre = try #require(r["titre_rmse"] as? Double, "\(r)")
            #expect(titre.isFinite && titre >= 0)
            let rmse = try #require(r["rmse"] as? [String: Double], "\(r)")
            #expect(Set(rmse.keys) == variables)
            #expect(r["flagged"] is [String])
            #expect(seen.insert("\(site)/\(model)/\(training)/\(seed)").inserted)
        }
    }

    @Test("penicillin spec, two seeds: one row per (site, model, training, seed), rmse keyed by the observed variables", .timeLimit(.minutes(10)))
    func penicillin() async throws {
        let ws = try Workspace("experiment-spec-pen")
        defer { ws.cleanup() }
        try await Self.fixtures(ws, ["site-a", "site-b"], thin: true)
        let out = try await ws.runOK("fedtwin", ["experiment", "--component-spec", Self.repo.appendingPathComponent("sites/specs/penicillin.json").path,
                                                 "--data", "site-a/data.json", "--data", "site-b/data.json", "--seeds", "1,2",
                                                 "--rounds", "1", "--epochs", "1", "--json", "--work", ws.path("work")], timeout: 540)
        try Self.check(out, sites: ["site-a", "site-b"], seeds: [1, 2], variables: ["biomass", "substrate", "product"], component: "hybrid-penicillin")
    }

    @Test("CHO spec: the same document with the mammalian variables", .timeLimit(.minutes(10)))
    func cho() async throws {
        let ws = try Workspace("experiment-spec-cho")
        defer { ws.cleanup() }
        try await Self.fixtures(ws, ["cho-a", "cho-b"], thin: false)
        let spec = Self.repo.appendingPathComponent("sites/specs/cho.json").path
        let out = try await ws.runOK("fedtwin", ["experiment", "--component-spec", spec, "--data", "cho-a/data.json", "--data", "cho-b/data.json",
                                                 "--seeds", "3", "--rounds", "1", "--epochs", "1", "--json", "--work", ws.path("work")], timeout: 540)
        let specDoc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: spec))) as? [String: Any])
        let observed = Set(((specDoc["observations"] as? [[String: Any]]) ?? []).compactMap { ($0["variable"] as? String) ?? ($0["state"] as? String) })
        try Self.check(out, sites: ["cho-a", "cho-b"], seeds: [3], variables: observed, component: try #require(specDoc["id"] as? String))
    }
}
