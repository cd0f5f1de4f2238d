import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

extension TestStore {
    /// The same federation (keys, sites, strategy) over another copy of its storage.
    init(_ other: TestStore, storage: any RegistryStorage) {
        registry = Registry(storage: storage)
        coordinator = other.coordinator
        sites = other.sites
        strategy = other.strategy
    }
}

/// Power loss, not SIGKILL: the page cache is lost. `SimulatedDiskStorage` cuts the power
/// after every step of a commit and of an evaluation record and brings the disk back in
/// each state ext4 (data=ordered, delayed allocation) allows; the coordinator's start-up
/// (`reconcile`) must leave a store that verifies, keeps every version whose commit
/// returned, and commits the next round.
@Suite("Power loss")
struct PowerLossTests {
    @Test func everyCrashStateOfACommitAndItsEvaluationRecoversAndCommitsAgain() throws {
        let disk = SimulatedDiskStorage()
        let store = try TestStore(storage: disk, rounds: 1)
        try disk.sync()
        // One round as the coordinator runs it: updates, commit, evaluation record, with the
        // objects left to the barriers.
        func round(_ s: TestStore, committed: inout StoredVersion?) throws {
            let version = try s.commitRound(durable: false)
            committed = version
            try s.recordEvaluations(of: version, durable: false)
        }
        let probe = disk.copy()
        var ignored: StoredVersion?
        let before = probe.steps
        try round(TestStore(store, storage: probe), committed: &ignored)
        let steps = probe.steps - before
        #expect(steps > 20)

        // Many cuts leave the same disk: each distinct state is checked once.
        var seen = Set<[String: [UInt8]]>()
        var states = 0
        for cut in 0...steps {
            let crashed = disk.copy()
            crashed.cutPower(afterSteps: cut)
            var committed: StoredVersion?
            do {
                try round(TestStore(store, storage: crashed), committed: &committed)
            } catch is SimulatedDiskStorage.PowerLoss {}
            let pending = crashed.pendingRenames
            for reached in Set([0, pending / 2, pending]) {
                for data in SimulatedDiskStorage.UnsyncedData.allCases {
                    let outcome = SimulatedDiskStorage.Outcome(renamesReached: reached, data: data)
                    let context = "power cut after step \(cut) of \(steps), \(outcome)"
                    let disk = crashed.afterPowerLoss(outcome)
                    // The same files and the same returned commit: the same case.
                    guard seen.insert(disk.files().merging(["returned": Array((committed?.id ?? "").utf8)]) { a, _ in a }).inserted else { continue }
                    let after = TestStore(store, storage: disk)
                    states += 1
                    try after.registry.reconcile(signer: store.coordinator)
                    let latest = try after.registry.latestVersion()
                    if let committed {
                        // A commit that returned is never lost.
                        #expect(latest.id == committed.id, "\(context)")
                    } else {
                        #expect(latest.number >= 1, "\(context)")
                    }
                    let report = after.registry.verify(replay: false)
                    #expect(report.passed, "\(context): \(report.failureLines)")
                    // The next round commits — producing again the objects a crash may have
                    // left empty — and the store verifies.
                    let next = try after.commitRound(durable: false)
                    try after.recordEvaluations(of: next, durable: false)
                    #expect(next.number == latest.number + 1, "\(context)")
                    let again = after.registry.verify(replay: true)
                    #expect(again.passed, "\(context): \(again.failureLines)")
                }
            }
        }
        print("power-loss states checked: \(states) distinct of \(steps + 1) cuts")
        #expect(states > steps)
    }

    @Test func aRenameThatOutranItsDataIsSetAsideAudited() throws {
        let disk = SimulatedDiskStorage()
        let store = try TestStore(storage: disk, rounds: 1)
        try disk.sync()
        // Cut the power just after the new manifest's rename: its data never reached the disk.
        let crashed = disk.copy()
        var steps = 0
        while true {
            let attempt = disk.copy()
            attempt.cutPower(afterSteps: steps)
            do { _ = try TestStore(store, storage: attempt).commitRound() } catch is SimulatedDiskStorage.PowerLoss {}
            if (try? attempt.afterPowerLoss(.init(renamesReached: Int.max, data: .lost)).read("versions/000002.json")) != nil { break }
            steps += 1
        }
        crashed.cutPower(afterSteps: steps)
        do { _ = try TestStore(store, storage: crashed).commitRound() } catch is SimulatedDiskStorage.PowerLoss {}
        let after = TestStore(store, storage: crashed.afterPowerLoss(.init(renamesReached: Int.max, data: .lost)))
        #expect(try after.registry.storage.read("versions/000002.json") == [])
        #expect(throws: RegistryError.self) { try after.registry.latestVersion() }

        let report = try after.registry.reconcile(signer: store.coordinator)
        #expect(report.setAside.contains { $0.hasSuffix("versions/000002.json") })
        #expect(try after.registry.latestVersion().number == 1)
        let entry = try #require(try after.registry.auditEntries().last { $0.event == "version-set-aside" })
        #expect(entry.data["version"] == "2")
        // Set aside, not deleted: the empty manifest is still in quarantine/.
        let moved = try #require(report.setAside.first { $0.hasSuffix("versions/000002.json") })
        #expect(try after.registry.storage.read(moved) == [])
    }

    @Test func anEmptyLatestManifestOnDiskIsSetAsideAndTheStoreResumes() throws {
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let store = try TestStore(storage: FileStorage(root: dir.path), rounds: 2)
        try Data().write(to: URL(fileURLWithPath: dir.path + "/versions/000002.json"))
        let registry = try Registry.open(path: dir.path)
        let report = try registry.reconcile(signer: store.coordinator)
        #expect(report.reasons.first?.hasPrefix("version 2: manifest:") == true)
        #expect(try registry.latestVersion().number == 1)
        #expect(registry.verify(replay: true).passed, "\(registry.verify(replay: true).failureLines)")
        #expect(dir.allFiles().contains { $0.hasPrefix("quarantine/") && $0.hasSuffix("versions/000002.json") })
        _ = try TestStore(store, storage: registry.storage).commitRound()
    }

    @Test func anEvaluationRecordThatDoesNotVerifyIsSetAside() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 2)
        storage.tamper("versions/000002.eval.json") { $0 = [] }
        #expect(!store.registry.verify(replay: false).passed)
        let report = try store.registry.reconcile(signer: store.coordinator)
        #expect(report.reasons.first?.hasPrefix("evaluations of version 2:") == true)
        #expect(try store.registry.evaluations(version: 2) == nil)
        #expect(try store.registry.auditEntries().last?.event == "evaluations-set-aside")
        #expect(store.registry.verify(replay: true).passed)
        try store.recordEvaluations(of: try store.registry.version(2))
        #expect(store.registry.verify(replay: true).passed)
    }

    @Test func anObjectThatDoesNotMatchItsNameIsRewritten() throws {
        let storage = InMemoryStorage()
        let store = try TestStore(storage: storage, rounds: 1)
        let parent = try store.registry.latestVersion()
        let frame = try store.updateFrame(site: 0, parent: parent, round: 2)
        let path = "objects/\(SHA256.hex(frame).prefix(2))/\(SHA256.hex(frame))"
        storage.tamper(path) { $0 = [] }
        #expect(try store.registry.putObject(frame) == SHA256.hex(frame))
        #expect(try store.registry.object(SHA256.hex(frame)) == frame)
        _ = try store.commitRound()
        #expect(store.registry.verify(replay: true).passed)
    }
}

/// Power loss during a round with a validation plan (evaluations → validation record) and
/// an approval signature right after it.
@Suite("Power loss: validation and signatures")
struct SigningPowerLossTests {
    @Test func everyCrashStateOfAValidationAndASignatureRecoversAndSignsAgain() throws {
        let disk = SimulatedDiskStorage()
        let store = try ValidationPlanTests.store(ValidationPlanTests.plan(loss: 1.5), rounds: 1, storage: disk)
        let key = try SigningKey.generate()
        try store.registry.enrollPerson(name: "qa-anna", printedName: "Anna", roles: ["qa"], key: key.publicKey, signer: store.coordinator)
        let credential = PersonCredential(keyText: try EncryptedKeyFile.text(key, person: "qa-anna", passphrase: "pw-anna"), passphrase: "pw-anna")
        try disk.sync()
        func work(_ s: TestStore, signed: inout SignatureRecord?) throws {
            let version = try s.commitRound(durable: false)
            try s.recordEvaluations(of: version, durable: false)
            signed = try s.registry.sign(SignatureRequest(meaning: .approved, number: version.number), as: credential, coordinator: s.coordinator)
        }
        let probe = disk.copy()
        var ignored: SignatureRecord?
        let before = probe.steps
        try work(TestStore(store, storage: probe), signed: &ignored)
        let steps = probe.steps - before
        for cut in 0...steps {
            let crashed = disk.copy()
            crashed.cutPower(afterSteps: cut)
            var signed: SignatureRecord?
            do { try work(TestStore(store, storage: crashed), signed: &signed) } catch is SimulatedDiskStorage.PowerLoss {}
            for data in SimulatedDiskStorage.UnsyncedData.allCases {
                for reached in Set([0, crashed.pendingRenames]) {
                    let context = "power cut after step \(cut) of \(steps), \(reached) renames, \(data)"
                    let after = TestStore(store, storage: crashed.afterPowerLoss(SimulatedDiskStorage.Outcome(renamesReached: reached, data: data)))
                    try after.registry.reconcile(signer: store.coordinator)
                    let report = after.registry.verify(replay: false)
                    #expect(report.passed, "\(context): \(report.failureLines)")
                    let latest = try after.registry.latestVersion().number
                    if let signed {
                        // A signature that returned is never lost.
                        #expect(try after.registry.signatureRecords().last == signed, "\(context)")
                        #expect(try after.registry.lifecycleStates()[latest] == .approved, "\(context)")
                    } else if try after.registry.evaluations(version: latest) == nil {
                        try after.recordEvaluations(of: try after.registry.version(latest))
                    }
                    if try after.registry.lifecycleStates()[latest] == .validated {
                        try after.registry.sign(SignatureRequest(meaning: .approved, number: latest), as: credential, coordinator: store.coordinator)
                        #expect(try after.registry.lifecycleStates()[latest] == .approved, "\(context)")
                    }
                    #expect(after.registry.verify(replay: false).passed, "\(context)")
                }
            }
        }
    }
}
