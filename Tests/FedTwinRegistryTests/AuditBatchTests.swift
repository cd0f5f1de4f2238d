import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

/// One signature per appended batch: only the last entry of an append is signed, and its
/// hash chains every entry before it. These tests pin down what that must still detect.
@Suite("Audit log: one signature per batch")
struct AuditBatchTests {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// A round's worth of coordinator events, written as the coordinator writes them.
    static let roundEvents: [(event: AuditEvent, data: [String: String])] = [
        (.roundStarted, ["round": "1"]),
        (.updateAccepted, ["site": "site-a", "samples": "100"]),
        (.updateAccepted, ["site": "site-b", "samples": "200"]),
        (.updateAccepted, ["site": "site-c", "samples": "300"]),
        (.roundDeadline, ["round": "1"]),
    ]

    /// A store whose log ends with `roundEvents` appended as one batch; returns the batch's entries.
    private func storeEndingWithABatch(_ storage: any RegistryStorage) throws -> (TestStore, [AuditEntry]) {
        let store = try TestStore(storage: storage, rounds: 1)
        try store.registry.audit(batch: Self.roundEvents, signer: store.coordinator)
        let batch = Array(try store.registry.auditEntries().suffix(Self.roundEvents.count))
        try #require(batch.map(\.kind) == Self.roundEvents.map(\.event))
        return (store, batch)
    }

    @Test func aBatchCarriesOneSignatureOnItsLastEntryAndVerifies() throws {
        let storage = InMemoryStorage()
        let (store, batch) = try storeEndingWithABatch(storage)
        #expect(batch.dropLast().allSatisfy { $0.sig == nil })
        #expect(batch.last?.sig != nil)
        // An unsigned entry's line has no "sig" key at all.
        let lines = try logLines(storage).suffix(batch.count)
        #expect(lines.dropLast().allSatisfy { !$0.contains(#""sig""#) })
        #expect(lines.last?.contains(#""sig":""#) == true)
        // A single entry is an append of its own, so it is signed.
        let single = try store.registry.audit(.sessionOpen, ["site": "site-a"], signer: store.coordinator)
        #expect(single.sig != nil)

        let entries = try store.registry.auditEntries()
        let signed = entries.filter { $0.sig != nil }.count
        #expect(signed == entries.count - (batch.count - 1))
        let report = store.registry.verifyAudit()
        #expect(report.passed, "\(report.failureLines)")
        #expect(report.checks.first { $0.subject == "audit log" }?.detail
            == "\(entries.count) entries in \(signed) signed batches, chain and signatures intact")
        #expect(store.registry.verify(replay: true).passed)
    }

    @Test func editingAnUnsignedEntryOfABatchBreaksItsHash() throws {
        let storage = InMemoryStorage()
        let (store, batch) = try storeEndingWithABatch(storage)
        let target = batch[2]
        try rewrite(storage) { entries in
            let index = try #require(entries.firstIndex(of: target))
            entries[index].data["samples"] = "2000"
        }
        let report = store.registry.verifyAudit()
        #expect(report.failures.map(\.subject) == ["audit entry \(target.seq) (line \(target.seq), update-accepted)"])
        #expect(report.failures.first?.detail.contains("hash does not match") == true)
    }

    @Test func rehashingAnEditedUnsignedEntryAndTheRestOfTheChainIsCaughtByTheBatchSignature() throws {
        let storage = InMemoryStorage()
        let (store, batch) = try storeEndingWithABatch(storage)
        let target = batch[1]
        // A careful forger: edit the entry, recompute its hash and every later hash and
        // link. Without the coordinator key the batch's signature cannot follow.
        try rewrite(storage) { entries in
            let start = try #require(entries.firstIndex(of: target))
            entries[start].data["samples"] = "1000"
            for index in start..<entries.count {
                let e = entries[index]
                var rehashed = try AuditEntry.make(seq: e.seq, time: e.time, event: e.event, data: e.data,
                                                   prev: entries[index - 1].hash, signer: nil)
                rehashed.sig = e.sig
                entries[index] = rehashed
            }
        }
        let last = try #require(batch.last)
        let report = store.registry.verifyAudit()
        #expect(report.failureLines == ["audit entry \(last.seq) (line \(last.seq), \(last.event)): coordinator signature does not verify"])
    }

    @Test func cuttingTheLogInsideABatchIsDetectedNamingTheUncoveredEntries() throws {
        let storage = InMemoryStorage()
        let (store, batch) = try storeEndingWithABatch(storage)
        // The signed last entry of the batch is gone: the entries before it were never
        // covered by anything else.
        try rewrite(storage) { entries in entries.removeLast() }
        let first = batch[0], cut = batch[batch.count - 2]
        let report = store.registry.verifyAudit()
        #expect(report.failureLines == [
            "audit entry \(cut.seq) (line \(cut.seq), \(cut.event)): entries \(first.seq)–\(cut.seq) are not covered by any signature (log cut inside a batch, or appended without the coordinator key)",
        ])
        #expect(!store.registry.verify(replay: false).passed)
        // Cut back to the batch boundary instead, the chain is intact again (truncation at a
        // boundary is what `--anchor` is for).
        try rewrite(storage) { entries in entries.removeLast(batch.count - 1) }
        #expect(store.registry.verifyAudit().passed)
    }

    @Test func anEntryAppendedWithoutTheKeyIsDetected() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 0)
        let last = try #require(try store.registry.auditEntries().last)
        let appended = try AuditEntry.make(seq: last.seq + 1, time: last.time, event: "enrol", data: ["site": "site-evil"],
                                           prev: last.hash, signer: nil)
        storage.tamper("audit.log") { $0 += Array(try! Self.encoder.encode(appended)) + [0x0a] }
        let report = store.registry.verifyAudit()
        #expect(report.failureLines == [
            "audit entry \(appended.seq) (line \(appended.seq), enrol): entry \(appended.seq) is not covered by any signature (log cut inside a batch, or appended without the coordinator key)",
        ])
    }

    @Test func aLogWithEveryEntrySignedStillVerifies() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 1)
        // A batch as the previous format wrote it: every entry signed.
        var last = try #require(try store.registry.auditEntries().last)
        for e in Self.roundEvents {
            let entry = try AuditEntry.make(seq: last.seq + 1, time: last.time, event: e.event.rawValue, data: e.data, prev: last.hash,
                                            signer: store.coordinator)
            storage.tamper("audit.log") { $0 += Array(try! Self.encoder.encode(entry)) + [0x0a] }
            last = entry
        }
        let entries = try store.registry.auditEntries()
        #expect(entries.allSatisfy { $0.sig != nil })
        let report = store.registry.verifyAudit()
        #expect(report.passed, "\(report.failureLines)")
        #expect(report.checks.first?.detail == "\(entries.count) entries in \(entries.count) signed batches, chain and signatures intact")
        // New appends chain from it as before.
        try store.registry.audit(batch: Self.roundEvents, signer: store.coordinator)
        #expect(store.registry.verifyAudit().passed)
    }

    @Test(arguments: ["intruder key", "the batch's own signature"])
    func aForgedSignatureOnAnUnsignedEntryIsDetected(forgery: String) throws {
        let storage = InMemoryStorage()
        let (store, batch) = try storeEndingWithABatch(storage)
        let target = batch[1]
        let intruder = try SigningKey.generate()
        try rewrite(storage) { entries in
            let index = try #require(entries.firstIndex(of: target))
            if forgery == "intruder key" {
                entries[index].sig = Hex.encode(try intruder.signature(for: try #require(Hex.decode(target.hash))))
            } else {
                entries[index].sig = batch.last?.sig  // a valid signature, but over another entry's hash
            }
        }
        let report = store.registry.verifyAudit()
        #expect(report.failureLines == ["audit entry \(target.seq) (line \(target.seq), update-accepted): coordinator signature does not verify"])
    }

    @Test func aCrashInsideABatchIsReportedUntilTheNextAppendCoversIt() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let storage = FileStorage(root: dir.path)
        let (store, batch) = try storeEndingWithABatch(storage)
        // A crash after the first line of the batch reached the disk: cut the file there.
        let path = dir.path + "/audit.log"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let batchStart = bytes.count - batch.reduce(0) { $0 + (try! Self.encoder.encode($1)).count + 1 }
        let firstLineEnd = batchStart + (try Self.encoder.encode(batch[0])).count + 1
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(firstLineEnd))
        try handle.close()

        let survivor = batch[0]
        #expect(try store.registry.auditEntries().last == survivor)
        #expect(survivor.sig == nil)
        #expect(try store.registry.auditHead() == survivor.hash)  // the last entry, read from the tail, unsigned
        let broken = store.registry.verifyAudit()
        #expect(broken.failureLines == [
            "audit entry \(survivor.seq) (line \(survivor.seq), round-started): entry \(survivor.seq) is not covered by any signature (log cut inside a batch, or appended without the coordinator key)",
        ])

        // The next append chains from the unsigned entry, and its signature covers it.
        let next = try store.registry.audit(.coordinatorStopped, ["version": "1"], signer: store.coordinator)
        #expect(next.seq == survivor.seq + 1)
        #expect(next.prev == survivor.hash)
        let report = store.registry.verify(replay: true)
        #expect(report.passed, "\(report.failureLines)")
    }

    // MARK: helpers

    private func logLines(_ storage: InMemoryStorage) throws -> [String] {
        String(decoding: try #require(try storage.read("audit.log")), as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Decodes the whole log, lets `change` edit it, and writes it back as the registry would.
    private func rewrite(_ storage: InMemoryStorage, _ change: (inout [AuditEntry]) throws -> Void) throws {
        var entries = try logLines(storage).map { try JSONDecoder().decode(AuditEntry.self, from: Data($0.utf8)) }
        try change(&entries)
        let lines = try entries.map { String(decoding: try Self.encoder.encode($0), as: UTF8.self) }
        storage.tamper("audit.log") { $0 = Array((lines.joined(separator: "\n") + "\n").utf8) }
    }
}
