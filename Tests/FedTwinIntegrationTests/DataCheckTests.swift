import Foundation
import Testing

/// Issue 11: `fedtwin data check` prints what a data config reads, and refuses bad data
/// with file, line and column.
@Suite("fedtwin data check")
struct DataCheckTests {
    static let config = """
    {"files": [{"path": "online.csv", "batchColumn": "batch", "time": {"column": "t", "unit": "h"}},
               {"path": "assays.csv", "batchColumn": "batch", "time": {"column": "t", "unit": "h"}}],
     "variables": [{"name": "temperature", "column": "T", "unit": "C"}, {"name": "pH", "column": "pH", "unit": "pH"},
                   {"name": "volume", "column": "V", "unit": "L"}, {"name": "lactate", "column": "lac", "unit": "g/L"}],
     "feeds": [{"flow": {"column": "F", "unit": "L/h", "sign": "positive"},
                "carries": [{"substance": "substrate", "value": 500, "unit": "g/L"}]}],
     "missingBatches": "drop", "heldOutFraction": 0.5, "splitSeed": 1}
    """

    @Test("prints batches, rows, assays and ranges per variable and the dropped-batch warning; refuses a negative flow")
    func check() async throws {
        let ws = try Workspace("data-check")
        defer { ws.cleanup() }
        try Self.config.write(toFile: ws.path("data.json"), atomically: true, encoding: .utf8)
        try "batch,t,T,pH,V,F\nB1,0,30,6.5,10,0\nB1,1,30,6.5,10,0.1\nB2,0,31,6.6,11,0\nB3,0,30,6.5,10,0\n"
            .write(toFile: ws.path("online.csv"), atomically: true, encoding: .utf8)
        try "batch,t,lac\nB1,0,0.5\nB1,1,1.5\nB2,0,0.2\n".write(toFile: ws.path("assays.csv"), atomically: true, encoding: .utf8)
        let out = try await ws.runOK("fedtwin", ["data", "check", "--data", "data.json"])
        #expect(out.contains("data.json: 2 batches (1 training, 1 held out), 3 rows"), "\(out)")
        #expect(out.contains("lactate"), "\(out)")
        #expect(out.range(of: #"lactate\s+3\s+2\s+0\.2\s+1\.5"#, options: .regularExpression) != nil, "\(out)")
        #expect(out.contains("warning: dropped 1 batch(es) that assays.csv lacks: B3"), "\(out)")

        try "batch,t,T,pH,V,F\nB1,0,30,6.5,10,0\nB1,1,30,6.5,10,-0.1\nB2,0,31,6.6,11,0\n"
            .write(toFile: ws.path("online.csv"), atomically: true, encoding: .utf8)
        let refused = try await ws.run("fedtwin", ["data", "check", "--data", "data.json"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("online.csv:3 column 'F'"), "\(refused)")
    }

    @Test("fedtwin data simulate writes a mammalian site (cho-a) and data check reads it through its data config")
    func simulateMammalianThenCheck() async throws {
        let ws = try Workspace("data-cho")
        defer { ws.cleanup() }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var profile = try #require(try JSONSerialization.jsonObject(
            with: Data(contentsOf: repo.appendingPathComponent("sites/cho-a/profile.json"))) as? [String: Any])
        profile["batchCount"] = 4
        try FileManager.default.createDirectory(atPath: ws.path("p"), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: ws.path("p/profile.json")))
        let simulated = try await ws.runOK("fedtwin", ["data", "simulate", "--site", "p", "--out", "cho-a"])
        #expect(simulated.contains("simulated 4 batches for cho-a"), "\(simulated)")
        let out = try await ws.runOK("fedtwin", ["data", "check", "--data", "cho-a/data.json"])
        #expect(out.contains("cho-a/data.json: 4 batches (3 training, 1 held out), 1348 rows"), "\(out)")
        // 15 daily samples per batch of each assayed variable; online values every row.
        for name in ["viable-cells", "glucose", "glutamine", "lactate", "ammonia", "product"] {
            #expect(out.range(of: name + #"\s+60\s+4\s"#, options: .regularExpression) != nil, "\(name):\n\(out)")
        }
        #expect(out.range(of: #"dissolved_oxygen\s+1348\s+4\s"#, options: .regularExpression) != nil, "\(out)")
        #expect(out.contains("no warnings"), "\(out)")

        // An unknown process is refused with the file and the key.
        profile["process"] = "insect"
        try JSONSerialization.data(withJSONObject: profile).write(to: URL(fileURLWithPath: ws.path("p/profile.json")))
        let refused = try await ws.run("fedtwin", ["data", "simulate", "--site", "p", "--out", "x"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("key 'process': unknown process 'insect'"), "\(refused)")
    }
}
