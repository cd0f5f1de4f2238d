import FedTwinAggregation
import FedTwinWire
import Foundation

/// The model registry: the store a QA reviewer inspects, readable with the coordinator
/// stopped. See docs/architecture.md for the layout.
///
/// ```
/// store.json                 component, coordinator key
/// sites/NAME.json            enrolments (kept after revocation)
/// objects/ab/abcd…           content-addressed blobs: parameters, optimiser state, signed frames
/// versions/000003.json       version manifest (exact signed bytes; SHA-256 = version id)
/// versions/000003.sig        coordinator signature over it
/// versions/000003.eval.json  cross-site evaluation of the version (+ .eval.sig)
/// audit.log                  hash-chained, signed JSON lines
/// ```
public struct Registry: Sendable {
    public let storage: any RegistryStorage

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
    public static func create(storage: any RegistryStorage, component: ComponentSpec, initialParameters: [Tensor],
                              signer: SigningKey, software: String) throws -> Registry {
        let registry = Registry(storage: storage)
        try storage.withWriteLock {
            guard try storage.read("store.json") == nil else {
                throw RegistryError(path: "store.json", problem: "a store already exists at \(storage.location)")
            }
            try component.schema.validate(initialParameters)
            let info = StoreInfo(component: component, coordinatorKey: Hex.encode(signer.publicKey.rawRepresentation),
                                 coordinator: signer.publicKey.fingerprint, createdAt: Canonical.now())
            try storage.writeAtomically(try Canonical.prettyEncoder.encode(info).bytes, to: "store.json")
            try registry.appendAudit(event: "store-created", data: ["component": component.id, "coordinator": signer.publicKey.fingerprint.hex,
                                                                    "parameters": String(component.schema.parameterCount)], signer: signer)
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

    // MARK: objects

    static func objectPath(_ id: String) -> String { "objects/\(id.prefix(2))/\(id)" }

    /// Stores a blob under its SHA-256 and returns the id (idempotent).
    public func putObject(_ bytes: [UInt8]) throws -> String {
        try storage.withWriteLock { try putObjectUnlocked(bytes) }
    }

    func putObjectUnlocked(_ bytes: [UInt8]) throws -> String {
        let id = SHA256.hex(bytes)
        if try storage.read(Self.objectPath(id)) == nil {
            try storage.writeAtomically(bytes, to: Self.objectPath(id))
        }
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
        try storage.withWriteLock { try commitUnlocked(manifest, signer: signer) }
    }

    func commitUnlocked(_ manifest: VersionManifest, signer: SigningKey) throws -> StoredVersion {
        let path = Self.versionPath(manifest.version)
        let existing = try versionNumbers()
        if let last = existing.last {
            guard manifest.version == last + 1 else {
                throw RegistryError(path: path, problem: "cannot commit version \(manifest.version): the latest is \(last)")
            }
            let parent = try version(last)
            guard manifest.parent == last, manifest.parentID == parent.id else {
                throw RegistryError(path: path, problem: "parent must be version \(last) (\(parent.id.prefix(12)))")
            }
        } else {
            guard manifest.version == 0, manifest.parent == nil else {
                throw RegistryError(path: path, problem: "the first version must be 0 without a parent")
            }
        }
        _ = try object(manifest.parameters)
        if let optimizer = manifest.optimizerState { _ = try object(optimizer) }
        for contribution in manifest.contributions { _ = try object(contribution.update) }

        let bytes = try Canonical.prettyEncoder.encode(manifest).bytes
        let id = SHA256.hex(bytes)
        let signature = SignatureFile(domain: Canonical.manifestDomain, documentID: id, signer: signer.publicKey.fingerprint,
                                      signature: Hex.encode(try signer.signature(for: Canonical.digest(domain: Canonical.manifestDomain, bytes))))
        // Signature first: the version exists once the manifest does, and then it is signed.
        try storage.writeAtomically(try Canonical.prettyEncoder.encode(signature).bytes, to: Self.signaturePath(manifest.version))
        try storage.writeAtomically(bytes, to: path)
        try appendAudit(event: "version-committed", data: [
            "version": String(manifest.version), "id": id, "round": String(manifest.round),
            "parameters": manifest.parameters, "contributions": String(manifest.contributions.count),
            "sites": manifest.contributions.map(\.site).joined(separator: ","),
        ], signer: signer)
        return StoredVersion(manifest: manifest, id: id)
    }

    /// Stores the signed evaluation record of a version (replacing an earlier one, e.g.
    /// when late evaluations arrive).
    public func recordEvaluations(_ record: EvaluationRecord, signer: SigningKey) throws {
        try storage.withWriteLock {
            let version = try self.version(record.version)
            guard version.id == record.versionID else {
                throw RegistryError(path: Self.evaluationPath(record.version), problem: "record names version id \(record.versionID.prefix(12)), the version is \(version.id.prefix(12))")
            }
            for e in record.evaluations { _ = try object(e.frame) }
            let bytes = try Canonical.prettyEncoder.encode(record).bytes
            let signature = SignatureFile(domain: Canonical.evaluationDomain, documentID: SHA256.hex(bytes), signer: signer.publicKey.fingerprint,
                                          signature: Hex.encode(try signer.signature(for: Canonical.digest(domain: Canonical.evaluationDomain, bytes))))
            try storage.writeAtomically(try Canonical.prettyEncoder.encode(signature).bytes, to: Self.evaluationSignaturePath(record.version))
            try storage.writeAtomically(bytes, to: Self.evaluationPath(record.version))
            try appendAudit(event: "evaluations-recorded", data: [
                "version": String(record.version), "sites": record.evaluations.map(\.site).joined(separator: ","),
            ], signer: signer)
        }
    }

    public func evaluations(version: Int) throws -> EvaluationRecord? {
        guard let bytes = try storage.read(Self.evaluationPath(version)) else { return nil }
        return try decode(EvaluationRecord.self, bytes, path: Self.evaluationPath(version))
    }

    // MARK: sites

    public func sites() throws -> [EnrolledSite] {
        try storage.list("sites").filter { $0.hasSuffix(".json") }.map { name in
            let path = "sites/\(name)"
            return try decode(EnrolledSite.self, try storage.read(path) ?? [], path: path)
        }
    }

    /// The enrolment for a key, revoked or not.
    public func site(fingerprint: Fingerprint) throws -> EnrolledSite? {
        try sites().first { $0.fingerprint == fingerprint }
    }

    public func site(named name: String) throws -> EnrolledSite? {
        try sites().first { $0.name == name }
    }

    /// Records a site's key. Refuses a name or key that is already enrolled.
    @discardableResult
    public func enroll(name: String, key: PublicKey, signer: SigningKey) throws -> EnrolledSite {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }), !name.hasPrefix(".") else {
            throw RegistryError(path: "sites/\(name).json", problem: "site names may hold letters, digits, '-', '_' and '.' only")
        }
        return try storage.withWriteLock {
            if let existing = try site(named: name) {
                throw RegistryError(path: "sites/\(name).json", problem: "site \(name) is already enrolled (key \(existing.fingerprint.short))\(existing.isRevoked ? " and revoked" : "")")
            }
            if let other = try site(fingerprint: key.fingerprint) {
                throw RegistryError(path: "sites/\(other.name).json", problem: "key \(key.fingerprint.short) is already enrolled as \(other.name)")
            }
            let site = EnrolledSite(name: name, publicKey: Hex.encode(key.rawRepresentation), fingerprint: key.fingerprint, enrolledAt: Canonical.now())
            try storage.writeAtomically(try Canonical.prettyEncoder.encode(site).bytes, to: "sites/\(name).json")
            try appendAudit(event: "enrol", data: ["site": name, "fingerprint": key.fingerprint.hex], signer: signer)
            return site
        }
    }

    /// Revokes a site: its key is refused from now on; its past contributions stay verifiable.
    public func revoke(name: String, signer: SigningKey) throws {
        try storage.withWriteLock {
            guard var site = try site(named: name) else {
                throw RegistryError(path: "sites/\(name).json", problem: "no site named \(name) is enrolled")
            }
            guard !site.isRevoked else { throw RegistryError(path: "sites/\(name).json", problem: "site \(name) is already revoked") }
            site.revokedAt = Canonical.now()
            try storage.writeAtomically(try Canonical.prettyEncoder.encode(site).bytes, to: "sites/\(name).json")
            try appendAudit(event: "revoke", data: ["site": name, "fingerprint": site.fingerprint.hex], signer: signer)
        }
    }

    // MARK: audit log

    /// Appends a signed, chained entry.
    @discardableResult
    public func audit(_ event: String, _ data: [String: String] = [:], signer: SigningKey) throws -> AuditEntry {
        try storage.withWriteLock { try appendAudit(event: event, data: data, signer: signer) }
    }

    @discardableResult
    func appendAudit(event: String, data: [String: String], signer: SigningKey) throws -> AuditEntry {
        let last = try auditEntries().last
        let entry = try AuditEntry.make(seq: (last?.seq ?? 0) + 1, time: Canonical.now(), event: event, data: data,
                                        prev: last?.hash ?? AuditEntry.genesis, signer: signer)
        try storage.appendLine(try Canonical.encoder.encode(entry).bytes, to: "audit.log")
        return entry
    }

    /// Every entry in order. A line that is not a valid entry is an error naming its line.
    public func auditEntries() throws -> [AuditEntry] {
        guard let bytes = try storage.read("audit.log") else { return [] }
        var entries: [AuditEntry] = []
        var lineNumber = 0
        for line in bytes.split(separator: 0x0a, omittingEmptySubsequences: false) {
            lineNumber += 1
            if line.isEmpty { continue }
            entries.append(try decode(AuditEntry.self, Array(line), path: "audit.log line \(lineNumber)"))
        }
        return entries
    }

    func auditHeadUnlocked() throws -> String { try auditEntries().last?.hash ?? AuditEntry.genesis }

    /// Hash of the last audit entry.
    public func auditHead() throws -> String { try auditHeadUnlocked() }

    // MARK: helpers

    func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], path: String) throws -> T {
        do {
            return try Canonical.decoder.decode(type, from: Data(bytes))
        } catch {
            throw RegistryError(path: path, problem: "cannot parse: \(error)")
        }
    }
}

extension Data {
    var bytes: [UInt8] { Array(self) }
}
