import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

/// Rule 4: one damaged file affects what it belongs to, and says what to do.
@Suite("Store degradation")
struct StoreDegradationTests {
    @Test func aCorruptEnrolmentAffectsOnlyItsOwnSite() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 1)
        storage.tamper("sites/site-b.json") { $0 = Array("{\"name\": \"site-b\", \"publicKey\": ".utf8) }

        // The other sites are found as before.
        #expect(try store.registry.site(fingerprint: store.sites[0].key.publicKey.fingerprint)?.name == "site-a")
        #expect(try store.registry.site(fingerprint: store.sites[2].key.publicKey.fingerprint)?.name == "site-c")
        // site-b's key matches no readable enrolment: refused naming the damaged file.
        let error = try #require(throws: RegistryError.self) {
            try store.registry.site(fingerprint: store.sites[1].key.publicKey.fingerprint)
        }
        #expect(error.code == .corruptEnrolment)
        #expect(error.path == "sites/site-b.json")
        // A new site can still be enrolled; the damaged name cannot be overwritten.
        let newKey = try SigningKey.generate()
        try store.registry.enroll(name: "site-d", key: newKey.publicKey, signer: store.coordinator)
        #expect(try store.registry.site(fingerprint: newKey.publicKey.fingerprint)?.name == "site-d")
        let again = try #require(throws: RegistryError.self) {
            try store.registry.enroll(name: "site-b", key: try SigningKey.generate().publicKey, signer: store.coordinator)
        }
        #expect(again.code == .corruptEnrolment)
        // Listings and verification name the file.
        #expect(throws: RegistryError.self) { try store.registry.sites() }
        #expect(store.registry.verify(replay: false).failures.contains { $0.subject == "sites/site-b.json" })
    }

    @Test func aGarbageAuditLineIsReportedWithItsLineAndRefusesAppendsWithAdvice() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 1)
        let lines = try store.registry.auditEntries().count
        storage.tamper("audit.log") { $0 += Array("this is not an entry\n".utf8) }

        let report = store.registry.verifyAudit()
        #expect(report.failures.contains { $0.detail.contains("line \(lines + 1)") }, "\(report.failureLines)")
        let damage = try #require(try store.registry.auditDamage())
        #expect(damage.line == lines + 1)
        #expect(damage.lines == 1)

        // Nothing is chained to it, and a commit writes nothing.
        let audit = try #require(throws: RegistryError.self) { try store.registry.audit(.sessionOpen, signer: store.coordinator) }
        #expect(audit.code == .auditDamaged)
        #expect(audit.problem.contains("fedtwin audit quarantine"))
        let commit = try #require(throws: RegistryError.self) { try store.commitRound() }
        #expect(commit.code == .auditDamaged)
        #expect(try store.registry.versionNumbers() == [0, 1])
        #expect(throws: RegistryError.self) { try store.registry.reconcile(signer: store.coordinator) }
    }

    @Test func quarantineMovesTheDamagedTailAsideAndRecordsIt() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 1)
        let good = try #require(try storage.read("audit.log"))
        // An edited entry (hash no longer matches) followed by garbage.
        var entries = try store.registry.auditEntries()
        var last = entries.removeLast()
        last.data["edited"] = "yes"
        let damagedTail = Array(try JSONEncoder().encode(last)) + Array("\n{\"seq\": 99}\nnot json at all\n".utf8)
        storage.tamper("audit.log") { $0 += damagedTail }

        let moved = try store.registry.quarantineAuditTail(signer: store.coordinator)
        #expect(moved.damage.line == entries.count + 2)
        #expect(moved.damage.lines == 3)
        let kept = try #require(try storage.read(moved.file))
        #expect(moved.file.hasPrefix("quarantine/audit-"))
        #expect(kept == damagedTail)
        #expect(moved.sha256 == SHA256.hex(kept))
        // The log is the good prefix plus the signed record of the move, and verifies.
        let log = try #require(try storage.read("audit.log"))
        #expect(Array(log.prefix(good.count)) == good)
        let recorded = try #require(try store.registry.auditEntries().last)
        #expect(recorded.event == "audit-tail-quarantined")
        #expect(recorded.data["file"] == moved.file)
        #expect(recorded.data["sha256"] == moved.sha256)
        #expect(store.registry.verifyAudit().passed, "\(store.registry.verifyAudit().failureLines)")
        // Commits work again, and an intact log has nothing to quarantine.
        _ = try store.commitRound()
        #expect(store.registry.verify(replay: true).passed)
        #expect(throws: RegistryError.self) { try store.registry.quarantineAuditTail(signer: store.coordinator) }
    }

    @Test func quarantiningEntriesAVersionAnchorsIsVisibleInVerify() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 2)
        let head = try store.registry.version(2).manifest.auditHead
        // Damage the entry version 2's manifest anchors: it and everything after is moved.
        let text = String(decoding: try #require(try storage.read("audit.log")), as: UTF8.self)
        let edited = text.split(separator: "\n").map { line -> String in
            line.contains(head) && line.contains("\"hash\":\"\(head)\"") ? line.replacingOccurrences(of: "\"seq\":", with: "\"seq\":1") : String(line)
        }
        storage.tamper("audit.log") { $0 = Array((edited.joined(separator: "\n") + "\n").utf8) }
        try store.registry.quarantineAuditTail(signer: store.coordinator)
        #expect(store.registry.verifyAudit().passed)
        let failures = store.registry.verify(replay: false).failures.map(\.subject)
        #expect(failures == ["version 2 audit anchor"], "\(failures)")
    }

    @Test func aFullDiskFailsWithNoSpaceAndLeavesTheStoreAsItWas() throws {
        let disk = SimulatedDiskStorage()
        let store = try TestStore(storage: disk, rounds: 1)
        let versions = try store.registry.versionNumbers()
        disk.setFreeBytes(600)
        let error = try #require(throws: RegistryError.self) { try store.commitRound() }
        #expect(error.code == .noSpace)
        #expect(error.isRecoverableByOperator)
        #expect(try store.registry.versionNumbers() == versions)
        #expect(throws: RegistryError.self) { try store.registry.checkWritable(bytes: 4096) }
        disk.setFreeBytes(nil)
        try store.registry.checkWritable(bytes: 4096)
        _ = try store.commitRound()
        #expect(store.registry.verify(replay: true).passed)
    }

    #if os(Linux)
    @Test func aRealENOSPCCarriesTheNoSpaceCode() throws {
        // /dev/full fails every write with ENOSPC: an audit.log linked to it is a full disk.
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        try FileManager.default.createSymbolicLink(atPath: dir.path + "/audit.log", withDestinationPath: "/dev/full")
        let error = try #require(throws: RegistryError.self) {
            try FileStorage(root: dir.path).appendLines([Array("{}".utf8)], to: "audit.log", durable: true)
        }
        #expect(error.code == .noSpace)
        #expect(error.isRecoverableByOperator)
    }
    #endif
}
