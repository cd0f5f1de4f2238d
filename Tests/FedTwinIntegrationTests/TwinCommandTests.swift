import Foundation
import Testing

/// Issue 11: `fedtwin twin train` / `twin evaluate` on any data config.
@Suite("fedtwin twin train and evaluate")
struct TwinCommandTests {
    @Test("train writes parameters a later evaluate scores on held-out or all batches; a bad data file is refused")
    func trainThenEvaluate() async throws {
        let ws = try Workspace("twin")
        defer { ws.cleanup() }
        let sites = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("sites/site-a/profile.json")
        var profile = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: sites)) as? [String: Any])
        profile["batchCount"] = 4
        try FileManager.default.createDirectory(atPath: ws.path("p"), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: ws.path("p/profile.json")))
        try await ws.runOK("fedtwin", ["data", "simulate", "--site", "p", "--out", "d"])
        // Keep the debug-build test fast: every 4th row, and every assayed one.
        let csv = try #require(ws.read("d/batches.csv")).split(separator: "\n")
        let thinned = [csv[0]] + csv.dropFirst().enumerated().filter { $0.offset % 4 == 0 || !$0.element.split(separator: ",", omittingEmptySubsequences: false)[2].isEmpty }.map(\.element)
        try thinned.joined(separator: "\n").write(toFile: ws.path("d/batches.csv"), atomically: true, encoding: .utf8)

        let trained = try await ws.runOK("fedtwin", ["twin", "train", "--data", "d/data.json", "--component", "hybrid-bioreactor",
                                                      "--epochs", "1", "--out", "run"], timeout: 120)
        #expect(trained.contains("trained hybrid-bioreactor on 3 batches"), "\(trained)")
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ws.path("run/metrics.json")))) as? [String: Any])
        #expect((metrics["heldOut"] as? [String: Double])?["final_titre_rmse"] != nil, "\(metrics)")
        for (flag, count) in [([String](), 1), (["--all"], 4)] {
            let out = try await ws.runOK("fedtwin", ["twin", "evaluate", "--data", "d/data.json", "--component", "hybrid-bioreactor",
                                                     "--params", "run/parameters.json", "--json"] + flag, timeout: 120)
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
            #expect(doc["batches"] as? Int == count)
            let rmse = try #require((doc["metrics"] as? [String: Double])?["final_titre_rmse"])
            #expect(rmse.isFinite && rmse >= 0)
        }
        let refused = try await ws.run("fedtwin", ["twin", "evaluate", "--data", "d/data.json", "--component", "hybrid-bioreactor",
                                                   "--params", "d/data.json"])
        #expect(refused.status != 0 && refused.stderr.contains("parameters file"), "\(refused)")
    }
}
