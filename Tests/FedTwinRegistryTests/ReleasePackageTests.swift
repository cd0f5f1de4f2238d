import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

/// The release package (issue 14 §5): verifiable with nothing but its own files, and any
/// changed, removed or added file named.
@Suite("Release package")
struct ReleasePackageTests {
    /// Version 1 approved by qa-anna and released by po-ben, exported.
    static func released() throws -> (SigningFixture, ReleasePackage) {
        let f = try SigningFixture()
        try f.sign(.approved, 1, as: "qa-anna")
        try f.sign(.released, 1, as: "po-ben")
        return (f, try f.registry.exportPackage(version: 1, signer: f.store.coordinator, software: "fedtwin-tests"))
    }

    /// Rewrites FILES.sha256 and its signature for changed files, as the coordinator key's
    /// holder could: what the file list cannot show, the other checks must.
    static func resigned(_ package: ReleasePackage, _ key: SigningKey) throws -> ReleasePackage {
        var files = package.files
        files[ReleasePackage.listPath] = nil
        files[ReleasePackage.listSignaturePath] = nil
        let list = Array(files.keys.sorted().map { "\(SHA256.hex(files[$0]!))  \($0)\n" }.joined().utf8)
        var digest = SHA256.Hasher()
        digest.update(Array("FedTwin package v1".utf8) + [0])
        digest.update(list)
        let sig = "{\"documentID\":\"\(SHA256.hex(list))\",\"domain\":\"FedTwin package v1\",\"signature\":\"\(Hex.encode(try key.signature(for: digest.finalize())))\",\"signer\":\"\(key.publicKey.fingerprint.hex)\"}"
        files[ReleasePackage.listPath] = list
        files[ReleasePackage.listSignaturePath] = Array(sig.utf8)
        return ReleasePackage(files: files)
    }

    @Test func anIntactPackageVerifiesWithThePinnedCoordinatorKey() throws {
        let (f, package) = try Self.released()
        let report = package.verify(coordinator: f.store.coordinator.publicKey.fingerprint.hex)
        #expect(report.passed, "\(report.failures)")
        let subjects = Set(report.checks.map(\.subject))
        for expected in ["file README.md", "file MODEL-CARD.md", "file parameters.safetensors", "file store/versions/000001.json", "file store/audit.log",
                         "version 1 manifest", "version 1 validation", "audit segment", "lifecycle", "parameters.safetensors", "sites"] {
            #expect(subjects.contains(expected), "no check \(expected)")
        }
        #expect(report.checks.first { $0.subject == "lifecycle" }?.detail.contains("released (production)") == true)
        #expect(report.checks.filter { $0.subject.hasPrefix("signature ") }.count == 2)
        // The segment reaches from the sites' enrolment to the release.
        let entries = String(decoding: package.files["store/audit.log"]!, as: UTF8.self)
        #expect(entries.contains("\"event\":\"enrol\"") && entries.contains("\"meaning\":\"released\""))
    }

    @Test func anotherCoordinatorKeyIsRefusedWhenOneIsPinned() throws {
        let (_, package) = try Self.released()
        let other = try SigningKey.generate().publicKey.fingerprint.short
        let report = package.verify(coordinator: other)
        #expect(!report.passed)
        #expect(report.failures.first?.detail.contains("not the pinned") == true, "\(report.failures)")
    }

    @Test func aFlippedByteInAnyFileIsDetectedAndTheFileNamed() throws {
        let (f, package) = try Self.released()
        #expect(package.files.count >= 20, "\(package.files.keys.sorted())")
        for path in package.files.keys.sorted() {
            var files = package.files
            var bytes = files[path]!
            bytes[bytes.count / 2] ^= 0x01
            files[path] = bytes
            let report = ReleasePackage(files: files).verify(coordinator: f.store.coordinator.publicKey.fingerprint.hex)
            #expect(!report.passed, "a flipped byte in \(path) went unnoticed")
            #expect(report.failures.contains { $0.subject.contains(path) || $0.detail.contains(path) }, "\(path): \(report.failures)")
        }
    }

    @Test func aRemovedOrAddedFileIsNamed() throws {
        let (_, package) = try Self.released()
        var removed = package.files
        removed["store/signatures/000001.json"] = nil
        let r1 = ReleasePackage(files: removed).verify()
        #expect(r1.failures.contains { $0.subject == "file store/signatures/000001.json" && $0.detail.contains("missing") }, "\(r1.failures)")
        var added = package.files
        added["store/signatures/000009.json"] = Array("{}".utf8)
        let r2 = ReleasePackage(files: added).verify()
        #expect(r2.failures.contains { $0.subject == "file store/signatures/000009.json" && $0.detail.contains("not listed") }, "\(r2.failures)")
    }

    @Test func aReleaseWithoutItsApprovalFailsTheLifecycleEvenWithAResignedFileList() throws {
        let (f, package) = try Self.released()
        var files = package.files
        let approval = try #require(files.keys.first { $0.hasPrefix("store/signatures/") && String(decoding: files[$0]!, as: UTF8.self).contains("\"approved\"") })
        files[approval] = nil
        let report = try Self.resigned(ReleasePackage(files: files), f.store.coordinator).verify(coordinator: f.store.coordinator.publicKey.fingerprint.hex)
        #expect(!report.passed)
        #expect(report.failures.contains { $0.subject.hasPrefix("signature ") && $0.detail.contains("not approved") }, "\(report.failures)")
        #expect(report.failures.contains { $0.subject == "lifecycle" }, "\(report.failures)")
    }

    @Test func anEditedValidationOutcomeFailsEvenWithAResignedFileList() throws {
        // Version 1 passed its plan; the record is edited to say incomplete: its coordinator
        // signature catches it although the file list was rewritten to match.
        let f = try SigningFixture()
        let package = try f.registry.exportPackage(version: 1, signer: f.store.coordinator, software: "t")
        var files = package.files
        let path = "store/validation/000001.json"
        files[path] = Array(String(decoding: files[path]!, as: UTF8.self).replacingOccurrences(of: "\"outcome\" : \"passed\"", with: "\"outcome\" : \"incomplete\"").utf8)
        #expect(files[path] != package.files[path])
        let report = try Self.resigned(ReleasePackage(files: files), f.store.coordinator).verify()
        #expect(report.failures.contains { $0.subject == "version 1 validation" }, "\(report.failures)")
    }

    @Test func theParametersAreSafetensorsWithMetadataNamingComponentAndVersion() throws {
        let (f, package) = try Self.released()
        let bytes = try #require(package.files["parameters.safetensors"])
        // safetensors: 8-byte little-endian header length, a JSON header, then the raw
        // little-endian tensor bytes at the header's data_offsets (relative to the data start).
        let n = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = try #require(try JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any])
        let metadata = try #require(header["__metadata__"] as? [String: String])
        #expect(metadata["fedtwin.component"] == "test-mlp" && metadata["fedtwin.version"] == "1")
        #expect(metadata["fedtwin.version_id"] == (try f.registry.version(1)).id)
        let data = Array(bytes[(8 + n)...])
        let stored = try f.registry.state(of: try f.registry.version(1)).parameters
        var end = 0
        for tensor in stored {
            let entry = try #require(header[tensor.name] as? [String: Any])
            #expect(entry["dtype"] as? String == "F32")
            #expect(entry["shape"] as? [Int] == tensor.shape)
            let offsets = try #require(entry["data_offsets"] as? [Int])
            let floats = stride(from: offsets[0], to: offsets[1], by: 4).map { i in
                Float(bitPattern: UInt32(data[i]) | UInt32(data[i + 1]) << 8 | UInt32(data[i + 2]) << 16 | UInt32(data[i + 3]) << 24)
            }
            guard case .f32(let expected) = tensor.values else { Issue.record("not f32"); continue }
            #expect(floats == expected)
            end = max(end, offsets[1])
        }
        #expect(end == data.count)
    }

    @Test func theModelCardStatesUseProvenanceAndCriteriaWithoutData() throws {
        let (_, package) = try Self.released()
        let card = String(decoding: try #require(package.files["MODEL-CARD.md"]), as: UTF8.self)
        #expect(card.contains("titre prediction, fed-batch CHO, 14 days"))
        #expect(card.contains("| approved | Printed qa-anna | qa-anna | qa |") && card.contains("| released | Printed po-ben | po-ben | process-owner |"))
        #expect(card.contains("| loss ≤ 1.5 | site-a |"))
        #expect(card.contains("State at export: **released (production)**"))
        #expect(card.contains("| site-b |") && card.contains("Operating ranges seen in training: the store holds none"))
        let readme = String(decoding: try #require(package.files["README.md"]), as: UTF8.self)
        #expect(readme.contains("fedtwin package verify . --coordinator-fingerprint"))
    }
}
