import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

/// Audit events are one typed vocabulary (`AuditEvent`), stored as their names.
@Suite("Audit events")
struct AuditEventTests {
    @Test func namesAreUniqueLowercaseAndHyphenated() {
        let names = AuditEvent.allCases.map(\.rawValue)
        #expect(Set(names).count == names.count)
        for name in names {
            #expect(name.allSatisfy { $0.isLowercase || $0 == "-" } && !name.hasPrefix("-") && !name.hasSuffix("-"), "\(name)")
        }
    }

    @Test func everyEntryOfAStoreWithRoundsAndEnrolmentsHasAKnownKind() throws {
        let store = try TestStore(storage: InMemoryStorage(), rounds: 2)
        try store.registry.audit(batch: [(.roundStarted, ["round": "3"]), (.roundDeadline, ["round": "3"])], signer: store.coordinator)
        let entries = try store.registry.auditEntries()
        #expect(entries.count > 3)
        #expect(entries.allSatisfy { $0.kind != nil }, "\(entries.filter { $0.kind == nil }.map(\.event))")
        #expect(entries.first?.kind == .storeCreated)
        #expect(entries.suffix(2).map(\.kind) == [.roundStarted, .roundDeadline])
    }

    @Test func anEventThisBuildDoesNotKnowStillReadsAndVerifies() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 1)
        let last = try #require(try store.registry.auditEntries().last)
        let future = try AuditEntry.make(seq: last.seq + 1, time: last.time, event: "written-by-a-later-version", data: ["x": "1"],
                                         prev: last.hash, signer: store.coordinator)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        storage.tamper("audit.log") { $0 += Array(try! encoder.encode(future)) + [0x0a] }
        let read = try #require(try store.registry.auditEntries().last)
        #expect(read.event == "written-by-a-later-version" && read.kind == nil)
        let report = store.registry.verifyAudit()
        #expect(report.passed, "\(report.failureLines)")
    }
}
