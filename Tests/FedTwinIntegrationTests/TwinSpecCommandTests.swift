import Foundation
import Testing

/// Issue 11/12: `fedtwin twin train|evaluate --component SPECFILE` and the statistics round
/// of a spec (`--component feature-statistics --component-spec FILE`) through the commands.
@Suite("fedtwin twin with a component spec")
struct TwinSpecCommandTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var penicillinSpec: String { repo.appendingPathComponent("sites/specs/penicillin.json").path }

    /// Four small site-a batches (every 4th row and every assayed one), as TwinCommandTests.
    static func smallSite(_ ws: Workspace) async throws {
        var profile = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: repo.appendingPathComponent("sites/site-a/profile.json"))) as? [String: Any])
        profile["batchCount"] = 4
        try FileManager.default.createDirectory(atPath: ws.path("p"), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: ws.path("p/profile.json")))
        try await ws.runOK("fedtwin", ["data", "simulate", "--site", "p", "--out", "d"])
        let csv = try #require(ws.read("d/batches.csv")).split(separator: "\n")
        let thinned = [csv[0]] + csv.dropFirst().enumerated().filter { $0.offset % 4 == 0 || !$0.element.split(separator: ",", omittingEmptySubsequences: false)[2].isEmpty }.map(\.element)
        try thinned.joined(separator: "\n").write(toFile: ws.path("d/batches.csv"), atomically: true, encoding: .utf8)
    }

    @Test("train and evaluate the spec's hybrid from its file; the statistics round's parameters are the site's counts; contradictions and bad specs are refused naming the file",
          .timeLimit(.minutes(5)))
    func specComponent() async throws {
        let ws = try Workspace("twin-spec")
        defer { ws.cleanup() }
        try await Self.smallSite(ws)
        let trained = try await ws.runOK("fedtwin", ["twin", "train", "--data", "d/data.json", "--component", Self.penicillinSpec,
                                                      "--epochs", "1", "--out", "run"], timeout: 240)
        #expect(trained.contains("trained hybrid-penicillin on 3 batches"), "\(trained)")
        let metrics = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ws.path("run/metrics.json")))) as? [String: Any])
        #expect(metrics["component"] as? String == "hybrid-penicillin")
        let heldOut = try #require(metrics["heldOut"] as? [String: Double], "\(metrics)")
        #expect(heldOut["final_titre_rmse"].map { $0.isFinite && $0 >= 0 } == true, "\(heldOut)")
        let params = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ws.path("run/parameters.json")))) as? [String: Any])
        let names = ((params["tensors"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
        #expect(names.contains("mech.kinetics") && names.contains { $0.hasPrefix("net.") }, "\(names)")

        // Evaluate the file's parameters with the spec given either way: the same numbers
        // (one scaling: the site's training batches').
        var rmse: [Double] = []
        for args in [["--component", Self.penicillinSpec], ["--component-spec", Self.penicillinSpec]] {
            let out = try await ws.runOK("fedtwin", ["twin", "evaluate", "--data", "d/data.json", "--params", "run/parameters.json", "--json"] + args, timeout: 240)
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
            #expect(doc["component"] as? String == "hybrid-penicillin")
            rmse.append(try #require((doc["metrics"] as? [String: Double])?["final_titre_rmse"]))
        }
        #expect(rmse[0] == rmse[1] && rmse[0] == heldOut["final_titre_rmse"], "\(rmse) vs \(heldOut)")

        // The statistics round locally: n, Σx, Σx² per feature of the site's training batches.
        let stats = try await ws.runOK("fedtwin", ["twin", "train", "--data", "d/data.json", "--component", "feature-statistics",
                                                    "--component-spec", Self.penicillinSpec, "--out", "stats"], timeout: 120)
        #expect(stats.contains("trained feature-statistics on 3 batches"), "\(stats)")
        let statsParams = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: ws.path("stats/parameters.json")))) as? [String: Any])
        let statNames = ((statsParams["tensors"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
        #expect(statNames == ["stats.count", "stats.sum", "stats.sumsq"], "\(statsParams)")
        let evaluated = try await ws.runOK("fedtwin", ["twin", "evaluate", "--data", "d/data.json", "--component", "feature-statistics",
                                                        "--component-spec", Self.penicillinSpec, "--params", "stats/parameters.json", "--json"], timeout: 120)
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(evaluated.utf8)) as? [String: Any])
        let m = try #require(doc["metrics"] as? [String: Double])
        #expect(m["features"] == 6 && (m["min_count"] ?? 0) > 0, "\(m)")

        // Refusals say what and where.
        let contradiction = try await ws.run("fedtwin", ["twin", "train", "--data", "d/data.json", "--component", "hybrid-bioreactor",
                                                          "--component-spec", Self.penicillinSpec, "--out", "x"])
        #expect(contradiction.status != 0 && contradiction.stderr.contains("declares component 'hybrid-penicillin'"), "\(contradiction)")
        let notASpec = try await ws.run("fedtwin", ["twin", "train", "--data", "d/data.json", "--component", "d/data.json", "--out", "x"])
        #expect(notASpec.status != 0 && notASpec.stderr.contains("d/data.json"), "\(notASpec)")
        let missing = try await ws.run("fedtwin", ["twin", "train", "--data", "d/data.json", "--component", "nowhere/spec.json", "--out", "x"])
        #expect(missing.status != 0 && missing.stderr.contains("nowhere/spec.json"), "\(missing)")
        let neither = try await ws.run("fedtwin", ["twin", "train", "--data", "d/data.json", "--out", "x"])
        #expect(neither.status != 0 && neither.stderr.contains("--component"), "\(neither)")
    }
}
