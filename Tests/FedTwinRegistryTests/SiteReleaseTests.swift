import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

/// What a site checks before it uses a release package (issue 14 §4): the coordinator key it
/// pins, every signature the release rests on, the channel, and the signers it pins.
@Suite("Site release check")
struct SiteReleaseTests {
    static func requirement(_ f: SigningFixture, channel: String = "production", signers: [String: String] = [:]) -> ReleaseRequirement {
        ReleaseRequirement(channel: channel, coordinatorFingerprint: f.store.coordinator.publicKey.fingerprint.hex, signers: signers)
    }

    /// The enrolled fingerprint of `person` in `f`'s store.
    static func fingerprint(_ f: SigningFixture, _ person: String) throws -> String {
        try #require(try f.registry.persons().first { $0.name == person }).fingerprint.hex
    }

    /// `package` with the JSON file at `path` edited by `edit`, its file list re-signed by
    /// the coordinator key (what only the signatures inside can then catch).
    static func edited(_ package: ReleasePackage, _ f: SigningFixture, _ path: String, _ edit: (inout [String: Any]) -> Void) throws -> ReleasePackage {
        var files = package.files
        let original = try #require(files[path])
        var object = try #require(try JSONSerialization.jsonObject(with: Data(original)) as? [String: Any])
        edit(&object)
        files[path] = [UInt8](try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
        return try ReleasePackageTests.resigned(ReleasePackage(files: files), f.store.coordinator)
    }

    static func releaseRecordPath(_ package: ReleasePackage) throws -> String {
        try #require(package.files.keys.sorted().first { $0.hasPrefix("store/signatures/") && String(decoding: package.files[$0]!, as: UTF8.self).contains("\"released\"") })
    }

    @Test func aReleasedVersionIsAcceptedWithAndWithoutSignerPins() throws {
        let (f, package) = try ReleasePackageTests.released()
        let (report, release) = package.verifyRelease(Self.requirement(f))
        #expect(report.passed, "\(report.failures)")
        let r = try #require(release)
        #expect(r.version == 1 && r.state == .released(channel: "production") && !r.signersPinned)
        #expect(r.signatures.map(\.meaning) == [.approved, .released])
        #expect(report.checks.first { $0.subject == "release signers" }?.detail.contains("vouched for by the coordinator only") == true)
        #expect(SafeTensors.contentID(r.parameters) == (try f.registry.version(1)).manifest.parameters)
        let pins = ["qa-anna": try Self.fingerprint(f, "qa-anna"), "po-ben": String(try Self.fingerprint(f, "po-ben").prefix(16))]
        let (pinnedReport, pinned) = package.verifyRelease(Self.requirement(f, signers: pins))
        #expect(pinnedReport.passed && pinned?.signersPinned == true, "\(pinnedReport.failures)")
    }

    @Test func anotherCoordinatorKeyOrAnotherChannelIsRefused() throws {
        let (f, package) = try ReleasePackageTests.released()
        var other = Self.requirement(f)
        other.coordinatorFingerprint = try SigningKey.generate().publicKey.fingerprint.hex
        #expect(package.verifyRelease(other).release == nil)
        let (report, release) = package.verifyRelease(Self.requirement(f, channel: "pilot"))
        #expect(release == nil)
        #expect(report.failures.contains { $0.subject == "release in pilot" && $0.detail.contains("not released in pilot") }, "\(report.failures)")
    }

    @Test func anApprovedVersionThatWasNotReleasedIsRefused() throws {
        let f = try SigningFixture()
        try f.sign(.approved, 1, as: "qa-anna")
        let package = try f.registry.exportPackage(version: 1, signer: f.store.coordinator, software: "t")
        #expect(package.verify(coordinator: f.store.coordinator.publicKey.fingerprint.hex).passed, "an intact package of an approved version")
        let (report, release) = package.verifyRelease(Self.requirement(f))
        #expect(release == nil)
        #expect(report.failures.contains { $0.detail.contains("version 1 is approved by its signature records, not released in production") }, "\(report.failures)")
    }

    @Test func aTamperedReleaseSignatureRecordIsRefusedEvenWithAResignedFileList() throws {
        let (f, package) = try ReleasePackageTests.released()
        let path = try Self.releaseRecordPath(package)
        let tampered = try Self.edited(package, f, path) { $0["printedName"] = "Somebody Else" }
        let (report, release) = tampered.verifyRelease(Self.requirement(f))
        #expect(release == nil)
        #expect(report.failures.contains { $0.detail.contains("signature does not verify") }, "\(report.failures)")
    }

    @Test func aSignerKeyOtherThanThePinnedOneIsRefused() throws {
        let (f, package) = try ReleasePackageTests.released()
        // The site pins another key for po-ben: the release is refused although it verifies.
        let wrong = try SigningKey.generate().publicKey.fingerprint.hex
        let pins = ["qa-anna": try Self.fingerprint(f, "qa-anna"), "po-ben": wrong]
        let (report, release) = package.verifyRelease(Self.requirement(f, signers: pins))
        #expect(release == nil)
        #expect(report.failures.contains { $0.subject == "release signers" && $0.detail.contains("not the pinned \(wrong)") }, "\(report.failures)")
        // A releaser the site does not pin at all.
        let (r2, none) = package.verifyRelease(Self.requirement(f, signers: ["qa-anna": try Self.fingerprint(f, "qa-anna")]))
        #expect(none == nil)
        #expect(r2.failures.contains { $0.detail.contains("po-ben, who is not among the signers the site pins") }, "\(r2.failures)")
        // The package's person file swapped to another key (by the coordinator key's holder):
        // the release record no longer matches an enrolled key.
        let key = try SigningKey.generate().publicKey
        let swapped = try Self.edited(package, f, "store/persons/po-ben.json") {
            $0["publicKey"] = Hex.encode(key.rawRepresentation)
            $0["fingerprint"] = key.fingerprint.hex
        }
        let (r3, refused) = swapped.verifyRelease(Self.requirement(f))
        #expect(refused == nil)
        #expect(r3.failures.contains { $0.detail.contains("not an enrolled person with that key") }, "\(r3.failures)")
    }

    @Test func aReleaseByAPersonRevokedBeforeSigningIsRefused() throws {
        let (f, package) = try ReleasePackageTests.released()
        let revoked = try Self.edited(package, f, "store/persons/po-ben.json") { $0["revokedAt"] = $0["enrolledAt"] }
        let (report, release) = revoked.verifyRelease(Self.requirement(f))
        #expect(release == nil)
        #expect(report.failures.contains { $0.detail.contains("po-ben was not enrolled or already revoked") }, "\(report.failures)")
    }

    @Test func aReleaseWhoseReleaserWasRevokedAfterwardsIsStillUsableAndSaysSo() throws {
        let (f, _) = try ReleasePackageTests.released()
        try f.registry.revokePerson(name: "po-ben", signer: f.store.coordinator)
        let package = try f.registry.exportPackage(version: 1, signer: f.store.coordinator, software: "t")
        let (report, release) = package.verifyRelease(Self.requirement(f))
        #expect(release != nil, "\(report.failures)")
        #expect(report.checks.first { $0.subject == "release signers" }?.detail.contains("revoked since") == true)
    }

    @Test func anInstalledReleaseIsVerifiedAgainAtEveryUse() throws {
        let (f, package) = try ReleasePackageTests.released()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("site-release-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (directory, report, release) = try InstalledRelease.install(package, requirement: Self.requirement(f), releases: root, source: "pkg")
        #expect(report.passed && release != nil, "\(report.failures)")
        #expect(directory == "\(root)/test-mlp/production")
        let (installed, opened, _) = try InstalledRelease.open(directory)
        #expect(installed.version == 1 && opened.versionID == release?.versionID)
        // A refused package installs nothing.
        let (_, _, refused) = try InstalledRelease.install(package, requirement: Self.requirement(f, channel: "pilot"), releases: root, source: "pkg")
        #expect(refused == nil)
        #expect(!FileManager.default.fileExists(atPath: "\(root)/test-mlp/pilot"))
        // A byte changed on the site's disk after the fetch: refused at the next use.
        let path = "\(directory)/parameters.safetensors"
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        bytes[bytes.count - 1] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: RegistryError.self) { try InstalledRelease.open(directory) }
        #expect(error?.problem.contains("no longer verifies") == true && error?.problem.contains("parameters.safetensors") == true, "\(String(describing: error))")
    }
}
