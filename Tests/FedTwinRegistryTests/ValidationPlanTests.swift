import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

/// TestStore's evaluations: loss = 2/(v+1) + 0.1·i for site i (a, b, c), so version 1 has
/// loss 1.0, 1.1, 1.2 and version 0 has 2.0, 2.1, 2.2.
@Suite("Validation plans")
struct ValidationPlanTests {
    static func plan(loss atMost: Double = 1.15, minimumSites: Int = 3, maxIncrease: Double = 0) -> ValidationPlan {
        ValidationPlan(intendedUse: "titre prediction, fed-batch CHO, 14 days", minimumSites: minimumSites,
                       thresholds: [MetricThreshold(metric: "loss", atMost: atMost)],
                       baselineBounds: [BaselineBound(metric: "loss", maxIncrease: maxIncrease)])
    }

    /// A store with the plan set before training, then `rounds` evaluated versions (and
    /// version 0 evaluated as the baseline).
    static func store(_ plan: ValidationPlan, rounds: Int = 1, storage: any RegistryStorage = InMemoryStorage()) throws -> TestStore {
        let store = try TestStore(storage: storage, rounds: 0)
        try store.registry.setPlan(plan, signer: store.coordinator)
        try store.recordEvaluations(of: try store.registry.version(0))
        for _ in 0..<rounds { try store.recordEvaluations(of: try store.commitRound()) }
        return store
    }

    @Test func recordingEvaluationsWritesASignedValidationRecord() throws {
        let store = try Self.store(Self.plan(loss: 1.25))
        let record = try #require(try store.registry.validation(version: 1))
        #expect(record.outcome == .passed)
        #expect(record.planVersion == 1)
        #expect(record.planPredatesVersion)
        #expect(record.versionID == (try store.registry.version(1)).id)
        let loss = record.results.filter { $0.criterion.hasPrefix("loss ≤") }
        #expect(loss.map(\.site) == ["site-a", "site-b", "site-c"])
        #expect(loss.map(\.value) == [1.0, 1.1, 1.2])
        #expect(loss.allSatisfy { $0.threshold == 1.25 && $0.passed == true })
        // Against version 0 every site improved by 1.0.
        #expect(record.results.filter { $0.criterion.contains("version 0") }.allSatisfy { abs(($0.value ?? 9) + 1) < 1e-12 })
        #expect(try store.registry.auditEntries().contains { $0.event == "validation-recorded" && $0.data["outcome"] == "passed" && $0.data["version"] == "1" })
    }

    @Test func oneSiteOverItsThresholdFailsThePlan() throws {
        let store = try Self.store(Self.plan(loss: 1.15))
        let record = try #require(try store.registry.validation(version: 1))
        #expect(record.outcome == .failed)
        #expect(record.results.first { $0.site == "site-c" && $0.criterion.hasPrefix("loss ≤") }?.passed == false)
    }

    @Test func fewerSitesThanRequiredIsIncompleteNotPassed() throws {
        let store = try Self.store(Self.plan(loss: 5, minimumSites: 4))
        let record = try #require(try store.registry.validation(version: 1))
        #expect(record.outcome == .incomplete)
        #expect(record.evaluatingSites == 3)
    }

    @Test func aMissingBaselineIsIncomplete() throws {
        let store = try TestStore(rounds: 0)
        try store.registry.setPlan(Self.plan(loss: 5), signer: store.coordinator)
        try store.recordEvaluations(of: try store.commitRound())
        let record = try #require(try store.registry.validation(version: 1))
        #expect(record.outcome == .incomplete)
        #expect(record.results.filter { $0.criterion.contains("version 0") }.allSatisfy { $0.value == nil && $0.passed == nil })
    }

    @Test func aChangedPlanIsANewVersionAndTheOldOneStays() throws {
        let store = try Self.store(Self.plan(loss: 1.15))
        let first = try store.registry.plan(1)
        try store.registry.setPlan(Self.plan(loss: 1.25), signer: store.coordinator)
        #expect(try store.registry.planVersions() == [1, 2])
        #expect(try store.registry.plan(1) == first)
        // Re-evaluating offline uses the plan in force and names it.
        let record = try store.registry.evaluatePlan(version: 1, signer: store.coordinator)
        #expect(record.outcome == .passed && record.planVersion == 2)
        #expect(!record.planPredatesVersion, "plan 2 was set after version 1 was committed")
        #expect(try store.registry.validation(version: 1) == record)
    }

    @Test func anEditedValidationRecordIsRefused() throws {
        let storage = InMemoryStorage()
        let store = try Self.store(Self.plan(loss: 1.15), storage: storage)
        storage.tamper("validation/000001.json") { bytes in
            bytes = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"failed\"", with: "\"passed\"").utf8)
        }
        #expect(throws: RegistryError.self) { try store.registry.validation(version: 1) }
    }

    @Test func aDamagedPlanDoesNotStopEvaluationsBeingRecorded() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 0)
        try store.registry.setPlan(Self.plan(loss: 5), signer: store.coordinator)
        storage.tamper("plans/000001.json") { $0 = Array(String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "\"minimumSites\" : 3", with: "\"minimumSites\" : 1").utf8) }
        let version = try store.commitRound()
        try store.recordEvaluations(of: version)
        #expect(try store.registry.evaluations(version: 1) != nil)
        #expect(try store.registry.validation(version: 1) == nil)
        let entry = try #require(try store.registry.auditEntries().last)
        #expect(entry.event == "validation-not-recorded" && entry.data["version"] == "1")
        #expect(entry.data["problem"]?.contains("plans/000001.json") == true)
    }

    @Test func anInvalidPlanIsRefusedAndNothingIsWritten() throws {
        let store = try TestStore(rounds: 0)
        let bad = ValidationPlan(intendedUse: "x", minimumSites: 0, thresholds: [MetricThreshold(metric: "loss", atMost: 1)])
        #expect(throws: RegistryError.self) { try store.registry.setPlan(bad, signer: store.coordinator) }
        #expect(try store.registry.planVersions().isEmpty)
    }

    @Test func withoutAPlanNoValidationRecordIsWritten() throws {
        let store = try TestStore(rounds: 1)
        #expect(try store.registry.validation(version: 1) == nil)
        #expect(throws: RegistryError.self) { try store.registry.evaluatePlan(version: 1, signer: store.coordinator) }
    }
}
