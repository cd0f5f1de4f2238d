import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

@Suite("Lifecycle and electronic signatures")
struct LifecycleTests {
    @Test func approveThenReleaseByAnotherPerson() throws {
        let f = try SigningFixture()
        #expect(try f.registry.lifecycleStates()[1] == .validated)
        let approval = try f.sign(.approved, 1, as: "qa-anna")
        #expect(approval.printedName == "Printed qa-anna" && approval.role == "qa" && approval.meaning == .approved)
        #expect(approval.signedHash == (try f.registry.signedHash(.version, 1)))
        #expect(try f.registry.lifecycleStates()[1] == .approved)
        try f.sign(.released, 1, as: "po-ben")
        #expect(try f.registry.lifecycleStates()[1] == .released(channel: "production"))
        #expect(try f.registry.auditEntries().filter { $0.event == "signature-recorded" }.map { $0.data["meaning"] } == ["approved", "released"])
        let report = f.registry.verify(replay: false)
        #expect(report.passed, "\(report.failureLines)")
        #expect(report.checks.filter { $0.subject.hasPrefix("signature ") }.count == 2)
    }

    @Test func approvingAVersionThatDidNotPassItsPlanIsRefused() throws {
        let f = try SigningFixture()
        // Version 0 (loss 2.0–2.2) fails the plan's loss ≤ 1.5.
        #expect(try f.registry.validation(version: 0)?.outcome == .failed)
        try f.expectRefused(.notValidated) { try f.sign(.approved, 0, as: "qa-anna") }
        #expect(try f.registry.lifecycleStates()[0] == .candidate)
    }

    @Test func releasingWithoutApprovalIsRefused() throws {
        let f = try SigningFixture()
        try f.expectRefused(.notApproved) { try f.sign(.released, 1, as: "po-ben") }
    }

    @Test func theApproverMayNotAlsoRelease() throws {
        let f = try SigningFixture()
        // A person holding both roles still cannot approve and release the same version.
        let key = try SigningKey.generate()
        try f.registry.enrollPerson(name: "both2", printedName: "Both Two", roles: ["process-owner", "qa"], key: key.publicKey, signer: f.store.coordinator)
        let credential = PersonCredential(keyText: try EncryptedKeyFile.text(key, person: "both2", passphrase: "pw-both2"), passphrase: "pw-both2")
        try f.registry.sign(SignatureRequest(meaning: .approved, number: 1), as: credential, coordinator: f.store.coordinator)
        try f.expectRefused(.sameAsApprover) {
            try f.registry.sign(SignatureRequest(meaning: .released, number: 1), as: credential, coordinator: f.store.coordinator)
        }
    }

    @Test func oneReleasedVersionPerChannelAndRollbackSupersedes() throws {
        let f = try SigningFixture()
        try f.sign(.approved, 1, as: "qa-anna")
        try f.sign(.approved, 2, as: "qa-anna")
        try f.sign(.released, 1, as: "po-ben")
        try f.sign(.released, 2, as: "po-ben")
        var states = try f.registry.lifecycleStates()
        #expect(states[1] == .superseded(channel: "production") && states[2] == .released(channel: "production"))
        // Rollback: release the earlier approved version again; audited like any release.
        try f.sign(.released, 1, as: "po-ben")
        states = try f.registry.lifecycleStates()
        #expect(states[1] == .released(channel: "production") && states[2] == .superseded(channel: "production"))
        #expect(states.values.filter { if case .released = $0 { return true } else { return false } }.count == 1)
        #expect(try f.registry.auditEntries().filter { $0.event == "signature-recorded" && $0.data["meaning"] == "released" }.count == 3)
        // Another channel is independent.
        try f.sign(.released, 2, as: "po-ben", channel: "pilot")
        #expect(try f.registry.lifecycleStates()[2] == .released(channel: "pilot"))
        try f.expectRefused(.notAllowed) { try f.sign(.released, 1, as: "po-ben") }
        #expect(f.registry.verify(replay: false).passed)
    }

    @Test func aRetiredVersionCannotBeReleased() throws {
        let f = try SigningFixture()
        try f.sign(.approved, 1, as: "qa-anna")
        try f.sign(.released, 1, as: "po-ben")
        try f.sign(.retired, 1, as: "qa-anna")
        #expect(try f.registry.lifecycleStates()[1] == .retired)
        try f.expectRefused(.notAllowed) { try f.sign(.released, 1, as: "po-ben") }
    }

    @Test func aPersonWithoutTheRoleIsRefused() throws {
        let f = try SigningFixture()
        try f.expectRefused(.missingRole) { try f.sign(.approved, 1, as: "ds-cleo") }
        try f.expectRefused(.missingRole) { try f.sign(.released, 1, as: "qa-anna") }
    }

    @Test func aRevokedPersonIsRefused() throws {
        let f = try SigningFixture()
        try f.registry.revokePerson(name: "qa-anna", signer: f.store.coordinator)
        try f.expectRefused(.revoked) { try f.sign(.approved, 1, as: "qa-anna") }
    }

    @Test func aWrongPassphraseIsRefusedAndRepeatedFailuresLockSigning() throws {
        let f = try SigningFixture()
        let policy = SigningPolicy(maxFailures: 2, lockoutSeconds: 600)
        try f.expectRefused(.wrongPassphrase) { try f.sign(.approved, 1, as: "qa-anna", passphrase: "wrong", policy: policy) }
        #expect(try !f.registry.auditEntries().contains { $0.event == "signing-locked" })
        #expect(try f.registry.auditEntries().last?.data["maxFailures"] == "2", "the policy in force is on record")
        try f.expectRefused(.wrongPassphrase) { try f.sign(.approved, 1, as: "qa-anna", passphrase: "wrong", policy: policy) }
        #expect(try f.registry.auditEntries().last?.event == "signing-locked")
        #expect(try f.registry.auditEntries().last?.data["person"] == "qa-anna")
        // Locked: even the right passphrase is refused until the window has passed.
        try f.expectRefused(.locked) { try f.sign(.approved, 1, as: "qa-anna", policy: policy) }
        // Another person is not affected.
        try f.sign(.approved, 1, as: "qa-dora", policy: policy)
        // After the lock-out time the person may sign again.
        try f.sign(.approved, 2, as: "qa-anna", policy: policy, now: Date().addingTimeInterval(601))
    }

    @Test func aSignatureRecordMovedToAnotherVersionFailsVerify() throws {
        let f = try SigningFixture()
        try f.sign(.approved, 1, as: "qa-anna")
        #expect(f.registry.verify(replay: false).passed)
        // Point the record at version 2 (what a copy onto another record amounts to).
        f.storage.tamper("signatures/000001.json") { bytes in
            bytes = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"number\" : 1", with: "\"number\" : 2").utf8)
        }
        let report = f.registry.verify(replay: false)
        #expect(report.failures.map(\.subject) == ["signature 1 (approved version 2)"])
        #expect(try f.registry.lifecycleStates()[2] == .validated)
    }

    @Test func aRecordAddedOutsideTheRegistryFailsVerifyEvenIfProperlySigned() throws {
        let f = try SigningFixture()
        try f.sign(.approved, 1, as: "qa-anna")
        // A second, separate store in the same state yields a validly signed record for the
        // same person and version; copied in as record 2 it has no audit entry here.
        let bytes = try #require(try f.storage.read("signatures/000001.json"))
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"seq\" : 1", with: "\"seq\" : 2")
        try f.storage.writeAtomically(Array(text.utf8), to: "signatures/000002.json")
        let report = f.registry.verify(replay: false)
        #expect(report.failures.map(\.subject).contains("signature 2 (approved version 1)"))
        #expect(report.failures.contains { $0.detail.contains("no signature-recorded audit entry") })
    }

    @Test func aSignatureKeepsItsHashSoChangingWhatWasSignedIsDetected() throws {
        let f = try SigningFixture()
        try f.sign(.approved, 1, as: "qa-anna")
        // New evaluations rewrite the validation record the approval covered.
        try f.store.recordEvaluations(of: try f.registry.version(1))
        let report = f.registry.verify(replay: false)
        #expect(report.failures.first?.detail.contains("signed hash does not match") == true)
        #expect(try f.registry.lifecycleStates()[1] == .validated)
    }

    @Test func aPlanIsSignedByItsAuthor() throws {
        let f = try SigningFixture()
        let plan = ValidationPlanTests.plan(loss: 1.4)
        try f.expectRefused(.wrongPassphrase) {
            try f.registry.setPlan(plan, author: f.credential("ds-cleo", passphrase: "nope"), signer: f.store.coordinator)
        }
        #expect(try f.registry.planVersions() == [1])
        let stored = try f.registry.setPlan(plan, author: f.credential("ds-cleo"), signer: f.store.coordinator)
        let record = try #require(try f.registry.signatureRecords().last)
        #expect(record.subject == .plan && record.number == stored.planVersion && record.meaning == .authored && record.person == "ds-cleo")
        #expect(f.registry.verify(replay: false).passed)
    }

    @Test func anEncryptedKeyOpensOnlyWithItsPassphrase() throws {
        let key = try SigningKey.generate()
        let text = try EncryptedKeyFile.text(key, person: "qa-anna", passphrase: "pw")
        #expect(text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
        #expect(EncryptedKeyFile.person(inText: text) == "qa-anna")
        #expect(try EncryptedKeyFile.open(text: text, passphrase: "pw").publicKey == key.publicKey)
        let error = #expect(throws: EncryptedKeyError.self) { try EncryptedKeyFile.open(text: text, passphrase: "pW") }
        #expect(error?.code == .wrongPassphrase)
        let plain = #expect(throws: EncryptedKeyError.self) { try EncryptedKeyFile.open(text: try key.pemRepresentation, passphrase: "pw") }
        #expect(plain?.code == .notEncrypted)
    }
}
