import FedTwinAggregation
import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

@Suite("On-disk store")
struct FileStorageTests {
    @Test func aStoreOnDiskHasTheDocumentedLayoutAndNoTempFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try TestStore(storage: FileStorage(root: dir.path), strategy: StrategyConfig(name: "fedadam"), rounds: 2)
        let files = dir.allFiles()
        #expect(!files.contains { ($0 as NSString).lastPathComponent.hasPrefix(".tmp-") }, "\(files)")
        for expected in ["store.json", "audit.log", "LOCK", "sites/site-a.json", "versions/000000.json", "versions/000000.sig",
                         "versions/000002.json", "versions/000002.sig", "versions/000002.eval.json", "versions/000002.eval.sig"] {
            #expect(files.contains(expected), "missing \(expected)")
        }
        let v2 = try store.registry.version(2)
        let id = try #require(v2.manifest.optimizerState)
        #expect(files.contains("objects/\(id.prefix(2))/\(id)"))
        // The version id is the SHA-256 of the manifest file as it is on disk.
        let manifestBytes = try Data(contentsOf: URL(fileURLWithPath: dir.path + "/versions/000002.json"))
        #expect(SHA256.hex(Array(manifestBytes)) == v2.id)

        // Reopened from the directory alone, everything verifies, replay included.
        let reopened = try Registry.open(path: dir.path)
        #expect(try reopened.latestVersion() == v2)
        let report = reopened.verify(replay: true)
        #expect(report.passed, "\(report.failureLines)")
    }

    @Test func writeAtomicallyReplacesTheFileAndLeavesNoTempFiles() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path)
        try storage.writeAtomically(Array("first".utf8), to: "a/b/file.json")
        try storage.writeAtomically(Array("second".utf8), to: "a/b/file.json")
        #expect(try storage.read("a/b/file.json") == Array("second".utf8))
        #expect(dir.allFiles() == ["a", "a/b", "a/b/file.json"])
        #expect(try storage.read("a/missing") == nil)
        #expect(try storage.list("a/b") == ["file.json"])
        #expect(try storage.list("nowhere") == [])
        // A temp file left by a crash is not listed as content.
        _ = FileManager.default.createFile(atPath: dir.path + "/a/b/.tmp-file.json-1-2", contents: Data([1]))
        #expect(try storage.list("a/b") == ["file.json"])
    }

    @Test func aTornLastAuditLineIsCutOnTheNextAppendAndTheLogVerifies() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try TestStore(storage: FileStorage(root: dir.path), rounds: 1)
        let entries = try store.registry.auditEntries()
        let path = dir.path + "/audit.log"
        let intact = try Data(contentsOf: URL(fileURLWithPath: path))
        // A crash in the middle of an append: half a line, no newline.
        let next = try AuditEntry.make(seq: entries.count + 1, time: "2025-01-01T00:00:00.000Z", event: "update-accepted",
                                       data: ["site": "site-a"], prev: entries.last!.hash, signer: store.coordinator)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line = try encoder.encode(next)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: line.prefix(line.count / 2))
        try handle.close()

        // Readers see the committed entries only; the torn tail was never committed.
        #expect(try store.registry.auditEntries() == entries)
        let before = store.registry.verifyAudit()
        #expect(before.passed, "\(before.failureLines)")
        #expect(before.checks.first?.detail.contains("torn last line") == true)

        let appended = try store.registry.audit(.sessionOpen, ["site": "site-b"], signer: store.coordinator)
        #expect(appended.seq == entries.count + 1)
        let after = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(after.prefix(intact.count) == intact)
        #expect(after.last == 0x0a)
        #expect(after.count == intact.count + (try encoder.encode(appended)).count + 1)
        #expect(try store.registry.auditEntries() == entries + [appended])
        let report = store.registry.verify(replay: true)
        #expect(report.passed, "\(report.failureLines)")
    }

    @Test func openingADirectoryThatIsNotAStoreNamesStoreJSON() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let error = try #require(throws: RegistryError.self) { try Registry.open(path: dir.path) }
        #expect(error.path == dir.path + "/store.json")
        #expect(error.description.contains("store.json"))
        #expect(error.description.contains("not a FedTwin store"))
        let missing = try #require(throws: RegistryError.self) { try Registry.open(path: dir.path + "/nope") }
        #expect(missing.description.contains("nope/store.json"))
        // Creating twice in the same place is refused.
        let store = try TestStore(storage: FileStorage(root: dir.path), rounds: 0)
        let again = try #require(throws: RegistryError.self) {
            try Registry.create(storage: FileStorage(root: dir.path), component: TestStore.component,
                                initialParameters: TestStore.initialParameters, signer: store.coordinator, software: "x")
        }
        #expect(again.path == "store.json")
        #expect(again.problem.contains(dir.path))
    }

    @Test func registryErrorsNameTheFile() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try TestStore(storage: FileStorage(root: dir.path), rounds: 1)
        let registry = try Registry.open(path: dir.path)

        let missingVersion = try #require(throws: RegistryError.self) { try registry.version(9) }
        #expect(missingVersion.description == "versions/000009.json: version 9 does not exist")

        try Data("{\"name\": 3}".utf8).write(to: URL(fileURLWithPath: dir.path + "/sites/site-b.json"))
        let site = try #require(throws: RegistryError.self) { try registry.sites() }
        #expect(site.description.hasPrefix("sites/site-b.json: cannot parse"))

        try Data("garbage".utf8).write(to: URL(fileURLWithPath: dir.path + "/versions/000001.json"))
        let manifest = try #require(throws: RegistryError.self) { try registry.version(1) }
        #expect(manifest.description.hasPrefix("versions/000001.json: cannot parse"))
        #expect(registry.verify(replay: false).failures.contains { $0.subject == "version 1" })

        try Data("[]".utf8).write(to: URL(fileURLWithPath: dir.path + "/store.json"))
        let info = try #require(throws: RegistryError.self) { try registry.info() }
        #expect(info.description.hasPrefix("store.json: cannot parse"))
        #expect(registry.verifyAudit().failures.first?.subject == "store.json")
        _ = store
    }
}
