import Foundation
import Testing

/// Issue 11: `fedtwin twin train` / `twin evaluate` on any data config.
@Suite("fedtwin twin train and evaluate")
struct TwinCommandTests {
    @Test("train writes parameters a later evaluate scores on held-out or all batches; a stored version is evaluated and trained from; a bad data file, a missing version and another component's version are refused")
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

        // A stored version the site did not train (version 0 of a coordinator's store): evaluated
        // with the component the store names, and used as the start of a local training.
        _ = try await ws.runOK("fedtwin", ["keygen", "--name", "coordinator", "--out", "keys"])
        _ = try await ws.runOK("fedtwin", ["store", "init", "--store", "store", "--component", "hybrid-bioreactor",
                                           "--coordinator-key", "keys/coordinator.key", "--seed", "7"])
        let stored = try await ws.runOK("fedtwin", ["twin", "evaluate", "--data", "d/data.json", "--version", "0", "--store", "store",
                                                    "--json", "--all"], timeout: 120)
        let storedDoc = try #require(try JSONSerialization.jsonObject(with: Data(stored.utf8)) as? [String: Any])
        #expect(storedDoc["component"] as? String == "hybrid-bioreactor" && storedDoc["batches"] as? Int == 4, "\(storedDoc)")
        let fromStore = try await ws.runOK("fedtwin", ["twin", "train", "--data", "d/data.json", "--component", "hybrid-bioreactor",
                                                       "--from-version", "0", "--store", "store", "--epochs", "1", "--out", "run2"], timeout: 120)
        #expect(fromStore.contains("trained hybrid-bioreactor on 3 batches"), "\(fromStore)")
        // The stored start differs from the seed-0 start, so the trainings differ.
        #expect(ws.read("run2/parameters.json") != ws.read("run/parameters.json"))
        let noVersion = try await ws.run("fedtwin", ["twin", "evaluate", "--data", "d/data.json", "--version", "9", "--store", "store"])
        #expect(noVersion.status != 0 && noVersion.stderr.contains("version 9 does not exist"), "\(noVersion)")
        let wrongComponent = try await ws.run("fedtwin", ["twin", "train", "--data", "d/data.json", "--component", "network-only",
                                                          "--from-version", "0", "--store", "store", "--epochs", "1", "--out", "run3"])
        #expect(wrongComponent.status != 0 && wrongComponent.stderr.contains("not network-only"), "\(wrongComponent)")
    }
}
