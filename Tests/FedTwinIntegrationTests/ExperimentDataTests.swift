import Foundation
import Testing

/// Issue 11: `fedtwin experiment --data A --data B --json` on site data configs.
@Suite("fedtwin experiment on data configs")
struct ExperimentDataTests {
    @Test("two --data sites give one result per (site, model, training) with the documented keys")
    func experimentOnData() async throws {
        let ws = try Workspace("experiment-data")
        defer { ws.cleanup() }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for site in ["site-a", "site-b"] {
            var profile = try #require(try JSONSerialization.jsonObject(
                with: Data(contentsOf: repo.appendingPathComponent("sites/\(site)/profile.json"))) as? [String: Any])
            profile["batchCount"] = 4
            try FileManager.default.createDirectory(atPath: ws.path("p/\(site)"), withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: ws.path("p/\(site)/profile.json")))
            try await ws.runOK("fedtwin", ["data", "simulate", "--site", "p/\(site)", "--out", site])
            // Tiny data for the debug build: every 8th row and every assayed one.
            let csv = try #require(ws.read("\(site)/batches.csv")).split(separator: "\n")
            let kept = [csv[0]] + csv.dropFirst().enumerated().filter {
                $0.offset % 8 == 0 || !$0.element.split(separator: ",", omittingEmptySubsequences: false)[2].isEmpty
            }.map(\.element)
            try kept.joined(separator: "\n").write(toFile: ws.path("\(site)/batches.csv"), atomically: true, encoding: .utf8)
        }
        let out = try await ws.runOK("fedtwin", ["experiment", "--data", "site-a/data.json", "--data", "site-b/data.json",
                                                 "--rounds", "1", "--epochs", "1", "--json", "--work", ws.path("work")], timeout: 300)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any], "\(out)")
        let results = try #require(doc["results"] as? [[String: Any]])
        let expected = 14 // 2 sites × (2 models × 3 trainings + mechanistic)
        #expect(results.count == expected)
        var seen = Set<String>()
        for r in results {
            let site = try #require(r["site"] as? String), model = try #require(r["model"] as? String)
            let training = try #require(r["training"] as? String)
            #expect(["site-a", "site-b"].contains(site))
            #expect(["hybrid", "network-only", "mechanistic"].contains(model))
            let trainings: Set<String> = model == "mechanistic" ? ["none"] : ["local", "federated", "pooled"]
            #expect(trainings.contains(training))
            let seed = r["seed"] as? Int
            #expect(seed == 1)
            let titre = try #require(r["titre_rmse"] as? Double, "\(r)")
            #expect(titre.isFinite && titre >= 0)
            let rmse = try #require(r["rmse"] as? [String: Double])
            let keys: Set<String> = ["biomass", "substrate", "product"]
            #expect(Set(rmse.keys) == keys)
            #expect(seen.insert("\(site)/\(model)/\(training)").inserted)
        }
        // Federated and pooled models are scored on every site.
        for site in ["site-a", "site-b"] {
            for training in ["local", "federated", "pooled"] { #expect(seen.contains("\(site)/hybrid/\(training)")) }
        }
    }
}
