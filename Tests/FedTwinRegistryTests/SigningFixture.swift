import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

/// A store with a passing plan, two evaluated versions (1 and 2, both passing) and three
/// persons: qa-anna (qa), po-ben (process-owner), ds-cleo (data-scientist, qa-less).
struct SigningFixture {
    static let passphrase = "correct horse battery staple"
    let storage: InMemoryStorage
    let store: TestStore
    var registry: Registry { store.registry }
    let keys: [String: String]

    init(policy: SigningPolicy = SigningPolicy()) throws {
        storage = InMemoryStorage()
        store = try ValidationPlanTests.store(ValidationPlanTests.plan(loss: 1.5), rounds: 2, storage: storage)
        var keys: [String: String] = [:]
        for (name, role) in [("qa-anna", "qa"), ("po-ben", "process-owner"), ("ds-cleo", "data-scientist"), ("qa-dora", "qa")] {
            let key = try SigningKey.generate()
            try store.registry.enrollPerson(name: name, printedName: "Printed \(name)", roles: [role], key: key.publicKey, signer: store.coordinator)
            keys[name] = try EncryptedKeyFile.text(key, person: name, passphrase: Self.passphrase)
        }
        self.keys = keys
    }

    func credential(_ name: String, passphrase: String = SigningFixture.passphrase) -> PersonCredential {
        PersonCredential(keyText: keys[name]!, passphrase: passphrase)
    }

    @discardableResult
    func sign(_ meaning: SignatureRecord.Meaning, _ version: Int, as name: String, channel: String? = nil, passphrase: String = SigningFixture.passphrase,
              policy: SigningPolicy = SigningPolicy(), now: Date = Date()) throws -> SignatureRecord {
        try registry.sign(SignatureRequest(meaning: meaning, number: version, channel: channel), as: credential(name, passphrase: passphrase),
                          policy: policy, coordinator: store.coordinator, now: now)
    }

    /// Expects a refusal with `code`, audited as the last entry.
    func expectRefused(_ code: LifecycleError.Code, _ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let before = try registry.signatureRecords().count
        let error = #expect(throws: LifecycleError.self, sourceLocation: sourceLocation) { try body() }
        #expect(error?.code == code, sourceLocation: sourceLocation)
        let refusals = try registry.auditEntries().filter { $0.event == "signature-refused" }
        #expect(refusals.last?.data["reason"] == code.rawValue, sourceLocation: sourceLocation)
        #expect(try registry.signatureRecords().count == before, "nothing signed", sourceLocation: sourceLocation)
    }
}
