import Foundation
import Testing
import TwinKit

@Suite("Input files")
struct InputFileTests {
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("fedtwin-input-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("a missing file, a directory and a gzip file are each named with what to do")
    func problemsAreNamed() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let reader = BatchCSVReader(mapping: .simulatorDefault)

        let missing = dir.appendingPathComponent("batches.csv")
        let error = #expect(throws: InputFileError.self) { try reader.read(contentsOf: missing) }
        #expect(error == InputFileError(path: missing.path, what: "batch CSV", problem: .missing))
        #expect(error?.description.contains("does not exist") == true)
        #expect(error?.description.contains("Code=260") == false)

        #expect(throws: InputFileError(path: dir.path, what: "batch CSV", problem: .directory)) { try reader.read(contentsOf: dir) }

        // gzip magic bytes, whatever the name: refused as compressed, not as "line 0".
        let gzip = dir.appendingPathComponent("batches.csv.gz")
        try Data([0x1f, 0x8b, 0x08, 0x00, 0x00]).write(to: gzip)
        let compressed = #expect(throws: InputFileError.self) { try reader.read(contentsOf: gzip) }
        #expect(compressed?.problem == .gzip)
        #expect(compressed?.description.contains("gunzip -k \(gzip.path)") == true)
    }

    @Test("a data config with a wrong type names the file and the key")
    func invalidDataConfig() throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("data.json")
        try Data(#"{"csv": 3}"#.utf8).write(to: url)
        let error = #expect(throws: InputFileError.self) { try SiteDataConfig.load(from: url) }
        #expect(error?.description.contains(url.path) == true)
        #expect(error?.description.contains("'csv'") == true)
        // A typo in an optional column would silently drop it: refused with its path.
        var text = String(decoding: try SiteDataConfig(csv: "batches.csv", mapping: .simulatorDefault, heldOutFraction: 0.25, splitSeed: 1).jsonData(), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"pH\"", with: "\"ph\"")
        try Data(text.utf8).write(to: url)
        #expect(throws: InputFileError(path: url.path, what: "data config", problem: .invalid("key 'mapping.ph': unknown key"))) {
            try SiteDataConfig.load(from: url)
        }
        try Data(#"{"csv": "b.csv", "heldOutFraction": 0.2, "splitSeed": 1, "mapping": {"batchID": "b", "time": {"column": "t", "unit": "h"}, "feeds": [{"rate": {"column": "F", "unit": "L/h", "untis": 1}}]}}"#.utf8).write(to: url)
        #expect(throws: InputFileError(path: url.path, what: "data config", problem: .invalid("key 'mapping.feeds[0].rate.untis': unknown key"))) {
            try SiteDataConfig.load(from: url)
        }
        #expect(throws: InputFileError(path: dir.appendingPathComponent("none.json").path, what: "site profile", problem: .missing)) {
            try SiteProfile.load(from: dir.appendingPathComponent("none.json"))
        }
    }
}
