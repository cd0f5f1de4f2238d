import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

@Suite("Tamper evidence")
struct TamperTests {
    static let sortedPretty: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return encoder
    }()

    static let sortedCompact: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    @Test func editingAManifestMetricBreaksItsSignature() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 2)
        var manifest = try store.registry.version(1).manifest
        manifest.metrics["train_loss"] = 0.001
        storage.tamper("versions/000001.json") { $0 = Array(try! Self.sortedPretty.encode(manifest)) }

        let report = store.registry.verify(replay: false)
        let failures = Dictionary(report.failures.map { ($0.subject, $0.detail) }, uniquingKeysWith: { a, _ in a })
        #expect(failures["version 1 signature"]?.contains("versions/000001.sig") == true)
        #expect(failures["version 1 signature"]?.contains("manifest edited?") == true)
        // The chain breaks too: version 2 names the original version 1.
        #expect(failures["version 2 parent"] != nil)
        // The evaluation record of version 1 evaluates the original manifest.
        #expect(failures["version 1 evaluations"] != nil)
    }

    @Test func editingAnAuditEntryIsDetectedNamingTheEntry() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 1)
        try rewriteAudit(storage) { lines in
            // Entries: 1 store-created, 2 version 0, 3–5 enrolments, 6 version 1, 7 evaluations.
            var entry = try JSONDecoder().decode(AuditEntry.self, from: Data(lines[2].utf8))
            #expect(entry.event == "enrol")
            entry.data["site"] = "site-evil"
            lines[2] = String(decoding: try Self.sortedCompact.encode(entry), as: UTF8.self)
        }
        let report = store.registry.verifyAudit()
        #expect(report.failures.map(\.subject) == ["audit entry 3 (line 3, enrol)"])
        #expect(report.failures.first?.detail.contains("hash does not match") == true)
        #expect(!store.registry.verify(replay: false).passed)
    }

    @Test func deletingAnAuditEntryIsDetectedNamingTheEntry() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 1)
        try rewriteAudit(storage) { lines in lines.remove(at: 3) }
        let report = store.registry.verifyAudit()
        #expect(!report.passed)
        let first = try #require(report.failures.first)
        #expect(first.subject == "audit entry 5 (line 4, enrol)")
        #expect(first.detail.contains("removed"))
        #expect(report.failures.contains { $0.subject.hasPrefix("audit entry 5 ") && $0.detail.contains("does not link") })
    }

    @Test func deletingTheLastAuditEntryIsDetectedByTheVersionAnchor() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 2, evaluate: false)
        // Cut the log back to before version 2 was committed: the chain itself is intact...
        try rewriteAudit(storage) { lines in lines.removeLast(2) }
        #expect(store.registry.verifyAudit().passed)
        // ...but version 2's signed manifest anchors an audit head that is gone.
        let report = store.registry.verify(replay: false)
        #expect(report.failures.map(\.subject) == ["version 2 audit anchor"])
    }

    @Test func truncatingTheLogIsDetectedByAnAnchorRecordedOutsideTheStore() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 2, evaluate: false)
        let entries = try store.registry.auditEntries()
        let head = try #require(entries.last).hash
        let earlier = entries[entries.count - 3].hash
        let clean = store.registry.verifyAudit(anchors: [head, String(earlier.prefix(16))])
        #expect(clean.passed)
        #expect(clean.checks.last?.subject == "audit head")
        #expect(clean.checks.last?.detail.contains(head) == true)
        // Cut the newest entries: the shorter chain alone still verifies...
        try rewriteAudit(storage) { lines in lines.removeLast(2) }
        #expect(store.registry.verifyAudit().passed)
        // ...the head recorded before does not, while an anchor older than the cut still does.
        let report = store.registry.verifyAudit(anchors: [head, earlier])
        #expect(report.failures.map(\.subject) == ["audit anchor \(head.prefix(16))…"])
        #expect(report.failures.first?.detail.contains("truncated or rewritten") == true)
    }

    @Test func aMalformedAnchorIsRefusedNamingIt() throws {
        let store = try TestStore(storage: InMemoryStorage(), rounds: 0)
        let report = store.registry.verifyAudit(anchors: ["abc", "zz" + String(repeating: "0", count: 20)])
        #expect(report.failures.count == 2)
        #expect(report.failures.allSatisfy { $0.detail.contains("at least 16") })
    }

    @Test func reorderingAuditEntriesIsDetectedNamingTheEntries() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 1)
        try rewriteAudit(storage) { lines in lines.swapAt(2, 3) }
        let report = store.registry.verifyAudit()
        let subjects = Set(report.failures.map(\.subject))
        #expect(subjects.contains("audit entry 4 (line 3, enrol)"))
        #expect(subjects.contains("audit entry 3 (line 4, enrol)"))
        #expect(report.failures.allSatisfy { $0.detail.contains("reordered") })
    }

    @Test func anAuditEntrySignedByAnotherKeyIsDetected() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 0)
        let entries = try store.registry.auditEntries()
        let last = try #require(entries.last)
        let intruder = try SigningKey.generate()
        let forged = try AuditEntry.make(seq: last.seq + 1, time: last.time, event: "enrol", data: ["site": "x"], prev: last.hash, signer: intruder)
        storage.tamper("audit.log") { $0 += Array(try! Self.sortedCompact.encode(forged)) + [0x0a] }
        let report = store.registry.verifyAudit()
        #expect(report.failures.map(\.subject) == ["audit entry \(forged.seq) (line \(forged.seq), enrol)"])
        #expect(report.failures.first?.detail == "coordinator signature does not verify")
    }

    @Test func anUnparseableAuditLineIsAnErrorNamingTheLine() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 0)
        try rewriteAudit(storage) { lines in lines[1] = "{not json" }
        let error = try #require(throws: RegistryError.self) { try store.registry.auditEntries() }
        #expect(error.path == "audit.log line 2")
        #expect(store.registry.verifyAudit().failures.first?.detail.contains("audit.log line 2") == true)
    }

    private func rewriteAudit(_ storage: InMemoryStorage, _ change: (inout [String]) throws -> Void) throws {
        var lines = String(decoding: try #require(try storage.read("audit.log")), as: UTF8.self)
            .split(separator: "\n").map(String.init)
        try change(&lines)
        storage.tamper("audit.log") { $0 = Array((lines.joined(separator: "\n") + "\n").utf8) }
    }
}
