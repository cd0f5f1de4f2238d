import FedTwinAggregation
import FedTwinRegistry
import FedTwinWire
import Testing

@Suite("Version chain")
struct VersionChainTests {
    @Test func versionsFormAChainOfNumbersAndParentIDs() throws {
        let store = try TestStore(rounds: 3)
        let numbers = try store.registry.versionNumbers()
        #expect(numbers == [0, 1, 2, 3])
        var previous: StoredVersion?
        for number in numbers {
            let version = try store.registry.version(number)
            #expect(version.number == number)
            #expect(version.manifest.round == number)
            #expect(version.manifest.parent == previous?.number)
            #expect(version.manifest.parentID == previous?.id)
            if number > 0 {
                #expect(version.manifest.contributions.map(\.site) == ["site-a", "site-b", "site-c"])
                #expect(version.manifest.totalSamples == version.manifest.contributions.reduce(0) { $0 + $1.samples })
                #expect(version.manifest.contributions.allSatisfy { $0.encoding == "q8" && $0.bytes > 0 })
            }
            previous = version
        }
        #expect(try store.registry.latestVersion() == previous)
        let report = store.registry.verify(replay: false)
        #expect(report.passed, "\(report.failureLines)")
    }

    @Test func commitRefusesAWrongNumber() throws {
        let store = try TestStore(rounds: 1)
        let parent = try store.registry.latestVersion()
        let pending = try store.storeUpdates(parent: parent, round: 2, sites: [0])
        var manifest = try store.nextManifest(parent: parent, round: 2, pending: pending)
        manifest.version = 3
        let error = try #require(throws: RegistryError.self) { try store.registry.commit(manifest, signer: store.coordinator) }
        #expect(error.path == "versions/000003.json")
        #expect(error.problem.contains("latest is 1"))
        manifest.version = 1
        #expect(throws: RegistryError.self) { try store.registry.commit(manifest, signer: store.coordinator) }
        #expect(try store.registry.versionNumbers() == [0, 1])
    }

    @Test func commitRefusesAWrongParent() throws {
        let store = try TestStore(rounds: 2)
        let latest = try store.registry.latestVersion()
        let older = try store.registry.version(1)
        let pending = [PendingContribution(site: try #require(try store.registry.site(named: "site-b")),
                                           frameID: try store.registry.putObject(try store.updateFrame(site: 1, parent: latest, round: 3)))]
        var manifest = try store.nextManifest(parent: latest, round: 3, pending: pending)
        manifest.parentID = older.id
        let error = try #require(throws: RegistryError.self) { try store.registry.commit(manifest, signer: store.coordinator) }
        #expect(error.description.contains("versions/000003.json"))
        #expect(error.problem.contains("parent must be version 2"))
        manifest.parentID = latest.id
        manifest.parent = 1
        #expect(throws: RegistryError.self) { try store.registry.commit(manifest, signer: store.coordinator) }
        manifest.parent = 2
        #expect(try store.registry.commit(manifest, signer: store.coordinator).number == 3)
    }

    @Test func commitRefusesAManifestWhoseObjectsAreMissing() throws {
        let store = try TestStore(rounds: 0)
        let parent = try store.registry.latestVersion()
        var manifest = try store.nextManifest(parent: parent, round: 1, pending: [
            PendingContribution(site: try #require(try store.registry.site(named: "site-a")),
                                frameID: try store.registry.putObject(try store.updateFrame(site: 0, parent: parent, round: 1))),
        ])
        manifest.parameters = String(repeating: "ab", count: 32)
        let error = try #require(throws: RegistryError.self) { try store.registry.commit(manifest, signer: store.coordinator) }
        #expect(error.path == "objects/ab/" + String(repeating: "ab", count: 32))
        #expect(error.problem.contains("missing"))
    }

    @Test func anUpdateTrainedFromAnotherVersionIsRefusedByAggregate() throws {
        let store = try TestStore(rounds: 1)
        let v0 = try store.registry.version(0), v1 = try store.registry.version(1)
        let stale = try store.registry.putObject(try store.updateFrame(site: 0, parent: v0, round: 2))
        let error = try #require(throws: RegistryError.self) {
            try store.registry.aggregate(parent: v1, strategy: FedAvg(), updates: [
                PendingContribution(site: try #require(try store.registry.site(named: "site-a")), frameID: stale),
            ])
        }
        #expect(error.path.hasPrefix("objects/"))
        #expect(error.problem.contains("not version 1"))
    }
}
