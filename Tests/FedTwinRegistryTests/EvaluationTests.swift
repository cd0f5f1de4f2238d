import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

@Suite("Evaluation records")
struct EvaluationTests {
    @Test func evaluationRecordsRoundTripAndVerify() throws {
        let store = try TestStore(rounds: 1, evaluate: false)
        let version = try store.registry.version(1)
        #expect(try store.registry.evaluations(version: 1) == nil)
        let record = try store.recordEvaluations(of: version)
        #expect(try store.registry.evaluations(version: 1) == record)
        #expect(try store.registry.auditEntries().last?.event == "evaluations-recorded")
        // Weighted by held-out samples (20, 30, 40).
        let expected = (20 * 1.0 + 30 * 1.1 + 40 * 1.2) / 90
        #expect(abs((record.weightedMean("loss") ?? 0) - expected) < 1e-12)
        #expect(record.weightedMean("nope") == nil)
        let report = store.registry.verify(replay: false)
        #expect(report.checks.first { $0.subject == "version 1 evaluations" }?.ok == true)
        #expect(report.passed, "\(report.failureLines)")
    }

    @Test func anEditedEvaluationRecordFailsItsSignature() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 1)
        var record = try #require(try store.registry.evaluations(version: 1))
        record.evaluations[0].metrics["loss"] = 0.0001
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        storage.tamper("versions/000001.eval.json") { $0 = Array(try! encoder.encode(record)) }
        let report = store.registry.verify(replay: false)
        #expect(report.failures.map(\.subject) == ["version 1 evaluations"])
        #expect(report.failures.first?.detail.contains("versions/000001.eval.json") == true)
    }

    @Test func aRecordMustMatchTheSignedSiteFrames() throws {
        let store = try TestStore(rounds: 1, evaluate: false)
        let version = try store.registry.version(1)
        var record = try store.recordEvaluations(of: version)
        // Re-signed by the coordinator but claiming a metric the site never sent.
        record.evaluations[2].metrics["loss"] = 0.0001
        try store.registry.recordEvaluations(record, signer: store.coordinator)
        let report = store.registry.verify(replay: false)
        #expect(report.failures.map(\.subject) == ["version 1 evaluations"])
        #expect(report.failures.first?.detail.contains("from site-c does not match") == true)
    }

    @Test func aRecordForAnotherVersionIDIsRefused() throws {
        let store = try TestStore(rounds: 2, evaluate: false)
        var record = try store.recordEvaluations(of: try store.registry.version(1))
        record.versionID = try store.registry.version(2).id
        let error = try #require(throws: RegistryError.self) { try store.registry.recordEvaluations(record, signer: store.coordinator) }
        #expect(error.path == "versions/000001.eval.json")
    }
}

/// The held-out loss is a weighted mean of site values: it cannot overflow (issue 10, rule 1).
@Test func aWeightedMeanOfHugeValuesStaysFinite() {
    let fingerprint = Fingerprint(hex: String(repeating: "ab", count: 32))!
    let record = EvaluationRecord(version: 1, versionID: "", evaluations: [
        SiteEvaluation(site: "a", fingerprint: fingerprint, samples: 2, metrics: ["loss": 1e308], frame: ""),
        SiteEvaluation(site: "b", fingerprint: fingerprint, samples: 1, metrics: ["loss": 1e308], frame: ""),
    ], createdAt: "", coordinator: fingerprint)
    // Σ v·w = 3e308 overflows; Σ v·(w/W) does not.
    let mean = record.weightedMean("loss") ?? .nan
    #expect(mean.isFinite && abs(mean - 1e308) <= 1e308 * 1e-15, "\(mean)")
}
