import Foundation
import Testing

extension Federation {
    /// The package root, from this file's path (for `sites/<name>/profile.json`).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Simulates each site's batches from its profile in the checkout, cut to `batchCount`
    /// batches (small plants keep debug-build runs short), into `data/<site>/`. Returns the
    /// data configs, as `--data` takes them.
    @discardableResult
    func simulate(_ sites: [String], batchCount: Int) async throws -> [String: String] {
        var configs: [String: String] = [:]
        for site in sites {
            let source = Self.repository.appendingPathComponent("sites/\(site)/profile.json")
            let data = try #require(FileManager.default.contents(atPath: source.path), "missing \(source.path)")
            var profile = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            profile["batchCount"] = batchCount
            try FileManager.default.createDirectory(atPath: ws.path("profiles/\(site)"), withIntermediateDirectories: true)
            try JSONSerialization.data(withJSONObject: profile, options: [.prettyPrinted, .sortedKeys])
                .write(to: URL(fileURLWithPath: ws.path("profiles/\(site)/profile.json")))
            try await ws.runOK("fedtwin", ["data", "simulate", "--site", "profiles/\(site)", "--out", "data/\(site)"])
            configs[site] = "data/\(site)/data.json"
        }
        return configs
    }
}
