import FedTwinAggregation
import FedTwinWire
import Foundation

/// The model registry: the store a QA reviewer inspects, readable with the coordinator
/// stopped. See docs/architecture.md for the layout.
///
/// ```
/// store.json                 component (with its spec file's hash, if any), coordinator key
/// sites/NAME.json            enrolments (kept after revocation)
/// objects/ab/abcd…           content-addressed blobs: parameters, optimiser state, signed frames,
///                            the component spec file
/// versions/000003.json       version manifest (exact signed bytes; SHA-256 = version id)
/// versions/000003.sig        coordinator signature over it
/// versions/000003.eval.json  cross-site evaluation of the version (+ .eval.sig)
/// audit.log                  hash-chained JSON lines; the last entry of each append signed
/// quarantine/                what recovery set aside (never deleted; each move audited)
/// ```
public struct Registry: Sendable {
    public let storage: any RegistryStorage
    /// Audit entries appended through this value and its copies.
    public let auditAppends = AuditAppendCount()

    public init(storage: any RegistryStorage) {
        self.storage = storage
    }

    /// Opens an existing store directory.
    public static func open(path: String) throws -> Registry {
        let registry = Registry(storage: FileStorage(root: path))
        guard try registry.storage.read("store.json") != nil else {
            throw RegistryError(path: "\(path)/store.json", problem: "missing: not a FedTwin store (create one with `fedtwin store init`)")
        }
        return registry
    }

    /// Creates a store: store.json, version 0 holding the initial parameters, and the first
    /// audit entries. Refuses if a store already exists there.
    @discardableResult
    ///
    /// `componentSpecFile` is the spec file's bytes when `component.specHash` is set: stored
    /// as an object under that hash (refused when the bytes do not hash to it, or when one is
    /// given without the other).
    public static func create(storage: any RegistryStorage, component: ComponentSpec, initialParameters: [Tensor],
                              signer: SigningKey, software: String, componentSpecFile: [UInt8]? = nil) throws -> Registry {
        let registry = Registry(storage: storage)
        try storage.withWriteLock {
            guard try storage.read("store.json") == nil else {
                throw RegistryError(path: "store.json", problem: "a store already exists at \(storage.location)")
            }
            try component.schema.validate(initialParameters)
            switch (component.specHash, componentSpecFile) {
            case (nil, nil): break
            case (let hash?, let bytes?):
                guard SHA256.hex(bytes) == hash else {
                    throw RegistryError(path: "store.json", problem: "the component spec file hashes to \(SHA256.hex(bytes).prefix(16))…, not the component's spec hash \(hash.prefix(16))…")
                }
            case (nil, _?): throw RegistryError(path: "store.json", problem: "a component spec file was given for a component without a spec hash")
            case (_?, nil): throw RegistryError(path: "store.json", problem: "the component names spec \(component.specHash!.prefix(16))… but its file was not given")
            }
            let info = StoreInfo(component: component, coordinatorKey: Hex.encode(signer.publicKey.rawRepresentation),
                                 coordinator: signer.publicKey.fingerprint, createdAt: Canonical.now())
            try storage.writeAtomically(try Canonical.prettyEncoder.encode(info).bytes, to: "store.json")
            if let componentSpecFile { _ = try registry.putObjectUnlocked(componentSpecFile, durable: true) }
            var created = ["component": component.id, "coordinator": signer.publicKey.fingerprint.hex,
                           "parameters": String(component.schema.parameterCount)]
            if let hash = component.specHash { created["spec"] = hash }
            try registry.appendAudit(event: .storeCreated, data: created, signer: signer)
            let parameters = try registry.putObjectUnlocked(SafeTensors.encode(initialParameters))
            let manifest = VersionManifest(
                version: 0, parent: nil, parentID: nil, component: component, round: 0,
                strategy: StrategyConfig(name: "initial"), parameters: parameters, optimizerState: nil, contributions: [],
                totalSamples: 0, metrics: [:], software: software, createdAt: Canonical.now(),
                auditHead: try registry.auditHeadUnlocked(), coordinator: signer.publicKey.fingerprint)
            _ = try registry.commitUnlocked(manifest, signer: signer)
        }
        return registry
    }

    // MARK: store info

    public func info() throws -> StoreInfo {
        guard let bytes = try storage.read("store.json") else { throw RegistryError(path: "store.json", problem: "missing") }
        return try decode(StoreInfo.self, bytes, path: "store.json")
    }

    /// Checks that the store can take a round's writes now: the audit chain can be extended
    /// (else `auditDamaged`) and `bytes` bytes can be written and synced (else `noSpace`),
    /// by writing and removing a scratch file. The coordinator calls it before it resumes
    /// rounds after a store failure.
    public func checkWritable(bytes: Int) throws {
        try storage.withWriteLock {
            _ = try lastAuditEntry()
            try storage.writeAtomically([UInt8](repeating: 0, count: max(0, bytes)), to: "space-probe", durable: true)
            try storage.remove("space-probe")
        }
    }

    // MARK: objects

    static func objectPath(_ id: String) -> String { "objects/\(id.prefix(2))/\(id)" }

    /// Stores a blob under its SHA-256 and returns the id (idempotent).
    ///
    /// With `durable: false` the object is durable only after the next commit's barrier:
    /// the coordinator stores each update as it arrives that way, and `commit` makes them
    /// durable before any manifest refers to them.
    public func putObject(_ bytes: [UInt8], durable: Bool = true) throws -> String {
        try storage.withWriteLock { try putObjectUnlocked(bytes, durable: durable) }
    }

    func putObjectUnlocked(_ bytes: [UInt8], durable: Bool = false) throws -> String {
        let id = SHA256.hex(bytes)
        let path = Self.objectPath(id)
        // An existing object is kept only if it still holds exactly this content. Objects are
        // written without an fsync and made durable by the next barrier, so a power loss
        // before it can leave the name with an empty or torn file; never rewriting an existing
        // name would make every later commit that produces the same content fail.
        if let existing = try storage.read(path), existing == bytes { return id }
        try storage.writeAtomically(bytes, to: path, durable: durable)
        return id
    }

    /// Reads a blob and checks that it still hashes to its id.
    public func object(_ id: String) throws -> [UInt8] {
        let path = Self.objectPath(id)
        guard id.utf8.count == 64, Hex.decode(id) != nil else { throw RegistryError(path: path, problem: "not a content id: \(id)") }
        guard let bytes = try storage.read(path) else { throw RegistryError(path: path, problem: "object missing") }
        guard SHA256.hex(bytes) == id else {
            throw RegistryError(path: path, problem: "content does not hash to its id (object corrupted or tampered with)")
        }
        return bytes
    }

    // MARK: versions

    static func versionPath(_ n: Int) -> String { "versions/" + String(format: "%06d", n) + ".json" }
    static func signaturePath(_ n: Int) -> String { "versions/" + String(format: "%06d", n) + ".sig" }
    static func evaluationPath(_ n: Int) -> String { "versions/" + String(format: "%06d", n) + ".eval.json" }
    static func evaluationSignaturePath(_ n: Int) -> String { "versions/" + String(format: "%06d", n) + ".eval.sig" }

    /// Committed version numbers, ascending. A version exists once its manifest exists.
    public func versionNumbers() throws -> [Int] {
        try storage.list("versions").compactMap { name -> Int? in
            guard name.hasSuffix(".json"), !name.hasSuffix(".eval.json") else { return nil }
            return Int(name.dropLast(5))
        }.sorted()
    }

    public func version(_ number: Int) throws -> StoredVersion {
        let path = Self.versionPath(number)
        guard let bytes = try storage.read(path) else { throw RegistryError(path: path, problem: "version \(number) does not exist") }
        let manifest = try decode(VersionManifest.self, bytes, path: path)
        guard manifest.version == number else { throw RegistryError(path: path, problem: "file holds version \(manifest.version)") }
        return StoredVersion(manifest: manifest, id: SHA256.hex(bytes))
    }

    public func latestVersion() throws -> StoredVersion {
        guard let last = try versionNumbers().last else { throw RegistryError(path: "versions", problem: "no committed version (store not initialised?)") }
        return try version(last)
    }

    /// Parameters and optimiser state of a version.
    public func state(of version: StoredVersion) throws -> ModelState {
        let parameters = try SafeTensors.decode(try object(version.manifest.parameters)).tensors
        let optimizer = try version.manifest.optimizerState.map { try SafeTensors.decode(try object($0)).tensors } ?? []
        return ModelState(parameters: parameters, optimizerState: optimizer)
    }

    /// Signs and commits the next version. The manifest must follow the latest version
    /// (number + 1, parent id); its objects must already be stored.
    public func commit(_ manifest: VersionManifest, signer: SigningKey) throws -> StoredVersion {
        try storage.withWriteLock {
            try requireCoordinator(signer)
            return try commitUnlocked(manifest, signer: signer)
        }
    }

    func commitUnlocked(_ manifest: VersionManifest, signer: SigningKey) throws -> StoredVersion {
        let path = Self.versionPath(manifest.version)
        // A damaged audit tail refuses the commit before anything is written.
        _ = try lastAuditEntry()
        // Versions are contiguous from 0, so "next after the latest" is an O(1) check:
        // this one must not exist and, unless it is 0, its predecessor must.
        let isNext = try storage.readTail(path, maxBytes: 0) == nil
            && (manifest.version == 0 || (try storage.readTail(Self.versionPath(manifest.version - 1), maxBytes: 0)) != nil)
        let last: Int? = isNext ? (manifest.version > 0 ? manifest.version - 1 : nil) : try versionNumbers().last
        if let last {
            guard isNext, manifest.version == last + 1 else {
                throw RegistryError(path: path, problem: "cannot commit version \(manifest.version): the latest is \(last)")
            }
            // Only the parent's id is needed: hash its bytes, do not decode the manifest.
            let parentPath = Self.versionPath(last)
            guard let parentBytes = try storage.read(parentPath) else { throw RegistryError(path: parentPath, problem: "version \(last) does not exist") }
            let parentID = SHA256.hex(parentBytes)
            guard manifest.parent == last, manifest.parentID == parentID else {
                throw RegistryError(path: path, problem: "parent must be version \(last) (\(parentID.prefix(12)))")
            }
        } else {
            guard manifest.version == 0, manifest.parent == nil else {
                throw RegistryError(path: path, problem: "the first version must be 0 without a parent")
            }
        }
        _ = try object(manifest.parameters)
        if let optimizer = manifest.optimizerState { _ = try object(optimizer) }
        for contribution in manifest.contributions where try storage.readTail(Self.objectPath(contribution.update), maxBytes: 0) == nil {
            throw RegistryError(path: Self.objectPath(contribution.update), problem: "object missing: update from \(contribution.site)")
        }

        let bytes = try Canonical.prettyEncoder.encode(manifest).bytes
        let id = SHA256.hex(bytes)
        let signature = SignatureFile(domain: Canonical.manifestDomain, documentID: id, signer: signer.publicKey.fingerprint,
                                      signature: Hex.encode(try signer.signature(for: Canonical.digest(domain: Canonical.manifestDomain, bytes))))
        // Barrier 1: the objects the manifest names and its signature are durable before
        // the manifest appears. The version exists once the manifest does.
        try storage.writeAtomically(try Canonical.prettyEncoder.encode(signature).bytes, to: Self.signaturePath(manifest.version), durable: false)
        try storage.sync()
        // Barrier 2: the manifest and its audit entry. A crash before it leaves the previous
        // version as the latest (or this one, complete); `reconcile` restores a lost audit entry.
        try storage.writeAtomically(bytes, to: path, durable: false)
        try appendAudit(event: .versionCommitted, data: Self.commitAuditData(manifest, id: id), signer: signer, durable: false)
        try storage.sync()
        return StoredVersion(manifest: manifest, id: id)
    }

    /// Stores the signed evaluation record of a version (replacing an earlier one, e.g.
    /// when late evaluations arrive).
    public func recordEvaluations(_ record: EvaluationRecord, signer: SigningKey) throws {
        try storage.withWriteLock {
            try requireCoordinator(signer)
            _ = try lastAuditEntry()
            let version = try self.version(record.version)
            guard version.id == record.versionID else {
                throw RegistryError(path: Self.evaluationPath(record.version), problem: "record names version id \(record.versionID.prefix(12)), the version is \(version.id.prefix(12))")
            }
            for e in record.evaluations { _ = try object(e.frame) }
            let bytes = try Canonical.prettyEncoder.encode(record).bytes
            try writeSignedUnlocked(bytes, to: Self.evaluationPath(record.version), signaturePath: Self.evaluationSignaturePath(record.version),
                                    domain: Canonical.evaluationDomain, signer: signer)
            try appendAudit(event: .evaluationsRecorded, data: [
                "version": String(record.version), "sites": record.evaluations.map(\.site).joined(separator: ","),
            ], signer: signer, durable: false)
            // With a validation plan in the store, the evaluations are judged against it
            // at once: the validation record is what an approval signs.
            try recordValidationWhenPlanned(version: version, evaluation: record, evaluationBytes: bytes, signer: signer)
            try storage.sync()
        }
    }

    public func evaluations(version: Int) throws -> EvaluationRecord? {
        guard let bytes = try storage.read(Self.evaluationPath(version)) else { return nil }
        return try decode(EvaluationRecord.self, bytes, path: Self.evaluationPath(version))
    }

    // MARK: sites

    /// Every enrolment; throws on the first file that cannot be read (for listings, where a
    /// damaged file must not go unnoticed). Lookups use `enrolments()`, which does not let
    /// one damaged file stand in the way of the other sites.
    public func sites() throws -> [EnrolledSite] {
        let scan = try enrolments()
        if let first = scan.unreadable.first { throw first }
        return scan.sites
    }

    /// The enrolments that parse, and an error naming each file that does not.
    public func enrolments() throws -> EnrolmentScan {
        var scan = EnrolmentScan()
        for name in try storage.list("sites") where name.hasSuffix(".json") {
            let path = "sites/\(name)"
            do {
                let site = try decode(EnrolledSite.self, try storage.read(path) ?? [], path: path)
                guard "\(site.name).json" == name else {
                    throw RegistryError(path: path, problem: "holds the enrolment of \(site.name)")
                }
                scan.sites.append(site)
            } catch let error as RegistryError {
                scan.unreadable.append(RegistryError(path: path, problem: error.problem, code: .corruptEnrolment))
            }
        }
        return scan
    }

    /// The enrolment for a key, revoked or not. A damaged enrolment file affects only the
    /// site it belongs to: a key found in a readable enrolment is answered whatever other
    /// files hold; a key found in none, while some file cannot be read, throws an error
    /// naming that file (it may be this key's), with code `corruptEnrolment`.
    public func site(fingerprint: Fingerprint) throws -> EnrolledSite? {
        let scan = try enrolments()
        if let site = scan.sites.first(where: { $0.fingerprint == fingerprint }) { return site }
        if let damaged = scan.unreadable.first {
            let others = scan.unreadable.count > 1 ? " (and \(scan.unreadable.count - 1) more damaged enrolment files)" : ""
            throw RegistryError(path: damaged.path, problem: "key \(fingerprint.short) is in no readable enrolment, and this one cannot be read\(others): \(damaged.problem); if it is this site's, restore the file from a backup or re-enrol the site",
                                code: .corruptEnrolment)
        }
        return nil
    }

    /// The enrolment named `name`; throws if its file exists but cannot be read.
    public func site(named name: String) throws -> EnrolledSite? {
        let scan = try enrolments()
        if let damaged = scan.unreadable.first(where: { $0.path == "sites/\(name).json" }) { throw damaged }
        return scan.sites.first { $0.name == name }
    }

    /// Records a site's key. Refuses a name or key that is already enrolled.
    @discardableResult
    public func enroll(name: String, key: PublicKey, signer: SigningKey) throws -> EnrolledSite {
        if let problem = SiteName.problem(name) {
            // The path shows the name escaped: it may hold control or invisible characters.
            throw RegistryError(path: "sites/\(name.debugDescription.dropFirst().dropLast()).json", problem: "site name refused: \(problem)")
        }
        return try storage.withWriteLock {
            try requireCoordinator(signer)
            _ = try lastAuditEntry()
            // A damaged file refuses its own name only (site(named:) throws for it).
            if let existing = try site(named: name) {
                throw RegistryError(path: "sites/\(name).json", problem: "site \(name) is already enrolled (key \(existing.fingerprint.short))\(existing.isRevoked ? " and revoked" : "")")
            }
            if let other = try enrolments().sites.first(where: { $0.fingerprint == key.fingerprint }) {
                throw RegistryError(path: "sites/\(other.name).json", problem: "key \(key.fingerprint.short) is already enrolled as \(other.name)")
            }
            let site = EnrolledSite(name: name, publicKey: Hex.encode(key.rawRepresentation), fingerprint: key.fingerprint, enrolledAt: Canonical.now())
            try storage.writeAtomically(try Canonical.prettyEncoder.encode(site).bytes, to: "sites/\(name).json")
            try appendAudit(event: .enrol, data: ["site": name, "fingerprint": key.fingerprint.hex], signer: signer)
            return site
        }
    }

    /// Revokes a site: its key is refused from now on; its past contributions stay verifiable.
    public func revoke(name: String, signer: SigningKey) throws {
        try storage.withWriteLock {
            try requireCoordinator(signer)
            guard var site = try site(named: name) else {
                throw RegistryError(path: "sites/\(name).json", problem: "no site named \(name) is enrolled")
            }
            guard !site.isRevoked else { throw RegistryError(path: "sites/\(name).json", problem: "site \(name) is already revoked") }
            _ = try lastAuditEntry()
            site.revokedAt = Canonical.now()
            try storage.writeAtomically(try Canonical.prettyEncoder.encode(site).bytes, to: "sites/\(name).json")
            try appendAudit(event: .revoke, data: ["site": name, "fingerprint": site.fingerprint.hex], signer: signer)
        }
    }

    // MARK: audit log

    /// Appends a chained entry, signed since it is an append of its own (durable on return
    /// unless `durable` is false, in which case the next commit's barrier makes it durable).
    @discardableResult
    public func audit(_ event: AuditEvent, _ data: [String: String] = [:], signer: SigningKey, durable: Bool = true) throws -> AuditEntry {
        try storage.withWriteLock {
            try requireCoordinator(signer)
            return try appendAudit(event: event, data: data, signer: signer, durable: durable)
        }
    }

    /// Appends several entries with one write: the coordinator's per-round events. Only the
    /// last entry is signed — its hash chains every earlier one, so one Ed25519 signature
    /// covers the batch instead of one per entry on the round's commit path.
    public func audit(batch events: [(event: AuditEvent, data: [String: String])], signer: SigningKey, durable: Bool = false) throws {
        guard !events.isEmpty else { return }
        try storage.withWriteLock {
            try requireCoordinator(signer)
            var last = try lastAuditEntry()
            var lines: [[UInt8]] = []
            let time = Canonical.now()
            for (index, e) in events.enumerated() {
                let entry = try AuditEntry.make(seq: (last?.seq ?? 0) + 1, time: time, event: e.event.rawValue, data: e.data,
                                                prev: last?.hash ?? AuditEntry.genesis, signer: index == events.count - 1 ? signer : nil)
                lines.append(try Canonical.encoder.encode(entry).bytes)
                last = entry
            }
            try storage.appendLines(lines, to: "audit.log", durable: durable)
            auditAppends.add(lines.count)
        }
    }

    /// Appends one signed entry: an append of its own, so it ends with a signature.
    @discardableResult
    func appendAudit(event: AuditEvent, data: [String: String], signer: SigningKey, durable: Bool = true) throws -> AuditEntry {
        let last = try lastAuditEntry()
        let entry = try AuditEntry.make(seq: (last?.seq ?? 0) + 1, time: Canonical.now(), event: event.rawValue, data: data,
                                        prev: last?.hash ?? AuditEntry.genesis, signer: signer)
        try storage.appendLines([try Canonical.encoder.encode(entry).bytes], to: "audit.log", durable: durable)
        auditAppends.add(1)
        return entry
    }

    /// The last complete entry, read from the end of the log (a torn last line is ignored,
    /// as the next append cuts it). It may be unsigned — a crash can leave part of a batch —
    /// and the next append chains from it, so that append's signature covers it.
    func lastAuditEntry() throws -> AuditEntry? {
        // Entries are a few hundred bytes: a small tail nearly always holds the last one,
        // and it is found by scanning back from the end rather than splitting the tail.
        for window in [4 * 1024, 64 * 1024] {
            guard let tail = try storage.readTail("audit.log", maxBytes: window) else { return nil }
            var end = tail.count
            if let lastNewline = tail.lastIndex(of: 0x0a) {
                end = lastNewline  // anything after it is a torn or partial line
            } else if tail.count < window {
                return nil  // no complete line at all
            } else {
                continue
            }
            while end > 0, tail[end - 1] == 0x0a { end -= 1 }  // empty lines
            if end == 0 { return tail.count < window ? nil : try auditEntries().last }
            guard let start = tail[..<end].lastIndex(of: 0x0a).map({ $0 + 1 }) ?? (tail.count < window ? 0 : nil) else { continue }
            if let entry = try? Canonical.decoder.decode(AuditEntry.self, from: Data(tail[start..<end])), entry.hashProblem() == nil {
                return entry
            }
            return try verifiedLastEntry()
        }
        return try verifiedLastEntry()
    }

    /// The last entry found by reading the whole log, refusing (code `auditDamaged`, with
    /// what to do) a log whose tail does not verify: nothing may be chained to it.
    private func verifiedLastEntry() throws -> AuditEntry? {
        if let damage = try auditDamage(signatures: false) { throw damage.error(location: storage.location) }
        return try auditEntries().last
    }

    static func commitAuditData(_ manifest: VersionManifest, id: String) -> [String: String] {
        [
            "version": String(manifest.version), "id": id, "round": String(manifest.round),
            "parameters": manifest.parameters, "contributions": String(manifest.contributions.count),
            "sites": manifest.contributions.map(\.site).joined(separator: ","),
        ]
    }

    /// Every entry in order. A line that is not a valid entry is an error naming its line.
    public func auditEntries() throws -> [AuditEntry] {
        guard let bytes = try storage.read("audit.log") else { return [] }
        var entries: [AuditEntry] = []
        var lineNumber = 0
        var lines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false)
        // A last line without its newline is a torn append (a crash mid-write): it was never
        // committed, and the next append cuts it off.
        if bytes.last != 0x0a { lines.removeLast() }
        for line in lines {
            lineNumber += 1
            if line.isEmpty { continue }
            entries.append(try decode(AuditEntry.self, Array(line), path: "audit.log line \(lineNumber)"))
        }
        return entries
    }

    /// Refuses any key but the one in store.json: an entry or manifest signed by another key
    /// never verifies, and a broken audit chain cannot be repaired without rewriting it.
    func requireCoordinator(_ signer: SigningKey) throws {
        let coordinator = try info().coordinator
        guard signer.publicKey.fingerprint == coordinator else {
            throw RegistryError(path: "store.json", problem: "signing key \(signer.publicKey.fingerprint.short) is not this store's coordinator key (\(coordinator.short))")
        }
    }

    func auditHeadUnlocked() throws -> String { try lastAuditEntry()?.hash ?? AuditEntry.genesis }

    /// Hash of the last audit entry.
    public func auditHead() throws -> String { try auditHeadUnlocked() }

    // MARK: helpers

    func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], path: String) throws -> T {
        do {
            // Store files are read as strictly as frames: a repeated key is refused.
            return try StrictJSON.decode(type, from: Data(bytes), decoder: Canonical.decoder)
        } catch {
            throw RegistryError(path: path, problem: "cannot parse: \(error)")
        }
    }
}

extension Data {
    var bytes: [UInt8] { Array(self) }
}
