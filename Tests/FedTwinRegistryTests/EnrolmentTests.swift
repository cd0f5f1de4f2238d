import FedTwinRegistry
import FedTwinWire
import Testing

@Suite("Enrolment and revocation")
struct EnrolmentTests {
    @Test func enrolRecordsTheKeyAndAudits() throws {
        let store = try TestStore(rounds: 0)
        let sites = try store.registry.sites()
        #expect(sites.map(\.name) == ["site-a", "site-b", "site-c"])
        #expect(sites.map(\.fingerprint) == store.sites.map(\.key.publicKey.fingerprint))
        #expect(try sites[0].key() == store.sites[0].key.publicKey)
        #expect(sites.allSatisfy { !$0.isRevoked })
        let enrolments = try store.registry.auditEntries().filter { $0.event == "enrol" }
        #expect(enrolments.map { $0.data["site"] } == ["site-a", "site-b", "site-c"])
        #expect(enrolments[1].data["fingerprint"] == store.sites[1].key.publicKey.fingerprint.hex)
    }

    @Test func enrolRefusesADuplicateNameOrKey() throws {
        let store = try TestStore(rounds: 0)
        let before = try store.registry.auditEntries().count
        let name = try #require(throws: RegistryError.self) {
            try store.registry.enroll(name: "site-a", key: try SigningKey.generate().publicKey, signer: store.coordinator)
        }
        #expect(name.path == "sites/site-a.json")
        #expect(name.problem.contains("already enrolled"))
        let key = try #require(throws: RegistryError.self) {
            try store.registry.enroll(name: "site-z", key: store.sites[1].key.publicKey, signer: store.coordinator)
        }
        #expect(key.path == "sites/site-b.json")
        #expect(key.problem.contains("already enrolled as site-b"))
        #expect(throws: RegistryError.self) {
            try store.registry.enroll(name: "../evil", key: try SigningKey.generate().publicKey, signer: store.coordinator)
        }
        #expect(try store.registry.sites().count == 3)
        #expect(try store.registry.auditEntries().count == before)
    }

    @Test func revokeKeepsTheEnrolmentAndOldVersionsStillVerify() throws {
        let store = try TestStore(rounds: 2)
        try store.registry.revoke(name: "site-b", signer: store.coordinator)
        let site = try #require(try store.registry.site(named: "site-b"))
        #expect(site.isRevoked)
        #expect(site.revokedAt != nil)
        #expect(site.fingerprint == store.sites[1].key.publicKey.fingerprint)
        #expect(try store.registry.auditEntries().last?.event == "revoke")

        // Versions site-b contributed to still verify, replay included.
        let report = store.registry.verify(replay: true)
        #expect(report.passed, "\(report.failureLines)")
        // A later round without it still commits and verifies.
        try store.commitRound(sites: [0, 2])
        #expect(store.registry.verify(replay: true).passed)

        let again = try #require(throws: RegistryError.self) { try store.registry.revoke(name: "site-b", signer: store.coordinator) }
        #expect(again.problem.contains("already revoked"))
        let reuse = try #require(throws: RegistryError.self) {
            try store.registry.enroll(name: "site-b", key: try SigningKey.generate().publicKey, signer: store.coordinator)
        }
        #expect(reuse.problem.contains("revoked"))
        let unknown = try #require(throws: RegistryError.self) { try store.registry.revoke(name: "site-q", signer: store.coordinator) }
        #expect(unknown.description == "sites/site-q.json: no site named site-q is enrolled")
    }

    @Test func auditEntriesMustBeSignedByTheStoresCoordinator() throws {
        let store = try TestStore(rounds: 0)
        let stranger = try SigningKey.generate()
        let before = try store.registry.auditEntries().count
        let error = try #require(throws: RegistryError.self) {
            try store.registry.enroll(name: "site-d", key: try SigningKey.generate().publicKey, signer: stranger)
        }
        #expect(error.problem.contains("not this store's coordinator"))
        #expect(try store.registry.auditEntries().count == before)
        #expect(try store.registry.site(named: "site-d") == nil)
        #expect(store.registry.verifyAudit().passed)
    }
}

/// Issue 10, rule 3: site names are a closed ASCII set, so no look-alike can be enrolled.
@Suite struct SiteNameTests {
    @Test(arguments: [
        "site\u{200D}a",          // zero-width joiner
        "s\u{0456}te-a",          // Cyrillic і among Latin letters
        "site-\u{0430}",          // Cyrillic а
        "Site-A",                 // upper-case twin of site-a
        "../evil", "a/b", ".hidden", "-a", "",
        "a\u{07}b", "a b", "caf\u{E9}",
        String(repeating: "a", count: 64),
    ])
    func enrolmentRefusesUnsafeNames(_ name: String) throws {
        let store = try TestStore(rounds: 0)
        let before = try store.registry.auditEntries().count
        let error = try #require(throws: RegistryError.self) {
            try store.registry.enroll(name: name, key: try SigningKey.generate().publicKey, signer: store.coordinator)
        }
        #expect(error.problem.contains("site name refused"), "\(error)")
        #expect(try store.registry.auditEntries().count == before)
        #expect(SiteName.problem(name) != nil)
    }

    @Test(arguments: ["a", "site-z", "lab.b_2", "0", String(repeating: "z", count: 63)])
    func safeNamesAreEnrolled(_ name: String) throws {
        let store = try TestStore(rounds: 0)
        #expect(SiteName.problem(name) == nil)
        let site = try store.registry.enroll(name: name, key: try SigningKey.generate().publicKey, signer: store.coordinator)
        #expect(site.name == name)
    }

    @Test func theProblemSaysWhichCharacterAndWhatItIs() {
        #expect(SiteName.problem("site\u{200D}a")?.hasPrefix("character 5 is U+200D") == true)
        #expect(SiteName.problem("Site")?.hasPrefix("character 1 is 'S'") == true)
        #expect(SiteName.problem("a\u{07}")?.hasPrefix("character 2 is U+0007") == true)
    }
}
