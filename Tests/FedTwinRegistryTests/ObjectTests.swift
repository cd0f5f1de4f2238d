import FedTwinRegistry
import FedTwinWire
import Testing

@Suite("Content-addressed objects")
struct ObjectTests {
    @Test func objectsAreNamedByTheirSHA256AndStoredOnce() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 0)
        let bytes: [UInt8] = Array("hello registry".utf8)
        let id = try store.registry.putObject(bytes)
        #expect(id == SHA256.hex(bytes))
        #expect(try store.registry.putObject(bytes) == id)
        #expect(try storage.read("objects/\(id.prefix(2))/\(id)") == bytes)
        #expect(try store.registry.object(id) == bytes)
        // Parameters are stored as canonical safetensors: their id is the parameters' content id.
        let v0 = try store.registry.version(0)
        #expect(v0.manifest.parameters == SafeTensors.contentID(TestStore.initialParameters))
        #expect(try store.registry.state(of: v0).parameters == TestStore.initialParameters)
    }

    @Test func aMalformedOrMissingIdIsAnErrorNamingThePath() throws {
        let store = try TestStore(rounds: 0)
        let bad = try #require(throws: RegistryError.self) { try store.registry.object("../../etc/passwd") }
        #expect(bad.problem.contains("not a content id"))
        let missing = String(repeating: "0", count: 64)
        let error = try #require(throws: RegistryError.self) { try store.registry.object(missing) }
        #expect(error.description == "objects/00/\(missing): object missing")
    }

    @Test func aFlippedByteInParametersIsDetectedOnReadAndByVerify() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 2, evaluate: false)
        let v1 = try store.registry.version(1)
        let id = v1.manifest.parameters
        storage.tamper("objects/\(id.prefix(2))/\(id)") { $0[$0.count - 3] ^= 0x01 }
        let error = try #require(throws: RegistryError.self) { try store.registry.object(id) }
        #expect(error.path == "objects/\(id.prefix(2))/\(id)")
        #expect(error.problem.contains("does not hash to its id"))
        #expect(throws: RegistryError.self) { try store.registry.state(of: v1) }

        let report = store.registry.verify(replay: true)
        #expect(!report.passed)
        let failed = Set(report.failures.map(\.subject))
        #expect(failed.contains("version 1 objects"))
        #expect(failed.contains("version 2 replay")) // replay starts from version 1's parameters
        #expect(!failed.contains("version 1 signature"))
        #expect(report.failures.allSatisfy { $0.detail.contains(id) || $0.detail.contains(String(id.prefix(12))) })
    }

    @Test func aFlippedByteInAStoredUpdateIsDetectedByVerify() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 1, evaluate: false)
        let contribution = try #require(try store.registry.version(1).manifest.contributions.first { $0.site == "site-b" })
        storage.tamper("objects/\(contribution.update.prefix(2))/\(contribution.update)") { $0[40] ^= 0x80 }
        let report = store.registry.verify(versions: [1], replay: true)
        #expect(Set(report.failures.map(\.subject)) == ["version 1 update from site-b", "version 1 replay"])
        #expect(report.failures.allSatisfy { $0.detail.contains("objects/\(contribution.update.prefix(2))/\(contribution.update)") })
    }
}
