import FedTwinWire
import Foundation

/// Electronic signatures (`signatures/NNNNNN.json`) and the lifecycle derived from them.
/// Every refusal is audited (`signature-refused`, reason = `LifecycleError.Code`); every
/// signature is audited (`signature-recorded`).
extension Registry {
    static func signatureRecordPath(_ seq: Int) -> String { "signatures/" + String(format: "%06d", seq) + ".json" }

    /// Every signature record in sequence order (unverified: `verifyLifecycle` checks them).
    public func signatureRecords() throws -> [SignatureRecord] {
        try storage.list("signatures").filter { $0.hasSuffix(".json") }.sorted().map { name in
            try decode(SignatureRecord.self, try storage.read("signatures/\(name)") ?? [], path: "signatures/\(name)")
        }
    }

    /// SHA-256 over exactly what a signature on `subject` covers: a version's manifest
    /// bytes followed by its validation record's bytes (if any); a plan's bytes.
    public func signedHash(_ subject: SignatureRecord.SubjectKind, _ number: Int) throws -> String {
        var hasher = SHA256.Hasher()
        switch subject {
        case .version:
            guard let manifest = try storage.read(Self.versionPath(number)) else {
                throw RegistryError(path: Self.versionPath(number), problem: "version \(number) does not exist")
            }
            hasher.update(manifest)
            if let validation = try storage.read(Self.validationPath(number)) { hasher.update(validation) }
        case .plan:
            guard let plan = try storage.read(Self.planPath(number)) else { throw RegistryError(path: Self.planPath(number), problem: "plan \(number) does not exist") }
            hasher.update(plan)
        }
        return Hex.encode(hasher.finalize())
    }

    /// Signs `request` as the person whose key `credential` opens, after checking the
    /// person (enrolled, not revoked, not locked, key matches, has the role) and the
    /// lifecycle rules. The coordinator key signs the audit entries. Throws
    /// `LifecycleError` for a refusal, which is audited first.
    @discardableResult
    public func sign(_ request: SignatureRequest, as credential: PersonCredential, policy: SigningPolicy = SigningPolicy(),
                     coordinator: SigningKey, now: Date = Date()) throws -> SignatureRecord {
        try storage.withWriteLock {
            try requireCoordinator(coordinator)
            _ = try lastAuditEntry()
            return try signUnlocked(request, as: credential, policy: policy, coordinator: coordinator, now: now)
        }
    }

    /// Stores a plan and the author's `authored` signature over it, refusing both unless
    /// the author may sign.
    @discardableResult
    public func setPlan(_ plan: ValidationPlan, author: PersonCredential, policy: SigningPolicy = SigningPolicy(), signer: SigningKey) throws -> ValidationPlan {
        try storage.withWriteLock {
            try requireCoordinator(signer)
            let next = (try planVersions().last ?? 0) + 1
            _ = try authenticate(author, meaning: .authored, subject: "plan \(next)", policy: policy, coordinator: signer, now: Date())
        }
        let stored = try setPlan(plan, signer: signer)
        try sign(SignatureRequest(meaning: .authored, subject: .plan, number: stored.planVersion), as: author, policy: policy, coordinator: signer)
        return stored
    }

    func signUnlocked(_ request: SignatureRequest, as credential: PersonCredential, policy: SigningPolicy, coordinator: SigningKey, now: Date) throws -> SignatureRecord {
        let subject = "\(request.subject.rawValue) \(request.number)"
        let (person, key) = try authenticate(credential, meaning: request.meaning, subject: subject, policy: policy, coordinator: coordinator, now: now)
        let records = try signatureRecords()
        var record = SignatureRecord(
            format: 1, seq: (records.last?.seq ?? 0) + 1, person: person.name, printedName: person.printedName,
            role: person.roles.first { LifecycleRoles.allowed(for: request.meaning).contains($0) } ?? "",
            fingerprint: person.fingerprint, time: Canonical.now(), meaning: request.meaning, reason: request.reason,
            channel: request.meaning == .released ? (request.channel ?? "production") : nil,
            subject: request.subject, number: request.number, signedHash: try signedHash(request.subject, request.number), signature: "")
        do {
            var replay = try lifecycleReplay(records: records).replay
            try replay.apply(record)
        } catch let error as LifecycleError {
            try refuse(error, person: person.name, meaning: request.meaning, subject: subject, coordinator: coordinator)
        }
        record.signature = Hex.encode(try key.signature(for: Canonical.digest(domain: SignatureRecord.domain, try record.signedBytes())))
        let bytes = try Canonical.prettyEncoder.encode(record).bytes
        try storage.writeAtomically(bytes, to: Self.signatureRecordPath(record.seq), durable: false)
        var data = ["person": person.name, "meaning": request.meaning.rawValue, "subject": subject, "seq": String(record.seq),
                    "signedHash": record.signedHash, "id": SHA256.hex(bytes)]
        if let channel = record.channel { data["channel"] = channel }
        try appendAudit(event: .signatureRecorded, data: data, signer: coordinator, durable: false)
        try storage.sync()
        return record
    }

    /// The person and their opened key, or an audited refusal.
    private func authenticate(_ credential: PersonCredential, meaning: SignatureRecord.Meaning, subject: String, policy: SigningPolicy,
                              coordinator: SigningKey, now: Date) throws -> (Person, SigningKey) {
        let name = EncryptedKeyFile.person(inText: credential.keyText) ?? "?"
        guard let person = try person(named: name) else {
            try refuse(LifecycleError(.unknownPerson, "the key file names no enrolled person (\(name))"), person: name, meaning: meaning, subject: subject, coordinator: coordinator)
        }
        if let until = try lockedUntil(person.name, policy: policy, now: now) {
            try refuse(LifecycleError(.locked, "signing is locked for \(person.name) until \(Canonical.timestamp(until)) after repeated failures"),
                       person: person.name, meaning: meaning, subject: subject, coordinator: coordinator)
        }
        guard !person.isRevoked else {
            try refuse(LifecycleError(.revoked, "\(person.name) was revoked at \(person.revokedAt ?? "?")"), person: person.name, meaning: meaning, subject: subject, coordinator: coordinator)
        }
        let key: SigningKey
        do {
            key = try EncryptedKeyFile.open(text: credential.keyText, passphrase: credential.passphrase)
        } catch {
            try refuseWrongPassphrase(person.name, meaning: meaning, subject: subject, policy: policy, coordinator: coordinator, now: now)
        }
        guard key.publicKey.fingerprint == person.fingerprint else {
            try refuse(LifecycleError(.keyMismatch, "the key \(key.publicKey.fingerprint.short) is not the one enrolled for \(person.name)"),
                       person: person.name, meaning: meaning, subject: subject, coordinator: coordinator)
        }
        guard !LifecycleRoles.allowed(for: meaning).isDisjoint(with: person.roles) else {
            try refuse(LifecycleError(.missingRole, "\(person.name) (\(person.roles.joined(separator: ","))) may not sign '\(meaning.rawValue)': needs \(LifecycleRoles.allowed(for: meaning).sorted().joined(separator: " or "))"),
                       person: person.name, meaning: meaning, subject: subject, coordinator: coordinator)
        }
        return (person, key)
    }

    private func refuseWrongPassphrase(_ name: String, meaning: SignatureRecord.Meaning, subject: String, policy: SigningPolicy,
                                       coordinator: SigningKey, now: Date) throws -> Never {
        // The policy in use is recorded: a weaker one chosen on a command line is visible.
        try appendAudit(event: .signatureRefused, data: ["person": name, "reason": LifecycleError.Code.wrongPassphrase.rawValue,
                                                           "meaning": meaning.rawValue, "subject": subject,
                                                           "maxFailures": String(policy.maxFailures), "lockoutSeconds": String(policy.lockoutSeconds)],
                        signer: coordinator)
        if let until = try lockedUntil(name, policy: policy, now: now) {
            try appendAudit(event: .signingLocked, data: ["person": name, "until": Canonical.timestamp(until), "failures": String(policy.maxFailures)],
                            signer: coordinator)
        }
        throw LifecycleError(.wrongPassphrase, "the passphrase does not open \(name)'s key")
    }

    /// Audits a refusal durably, then throws it.
    private func refuse(_ error: LifecycleError, person: String, meaning: SignatureRecord.Meaning, subject: String, coordinator: SigningKey) throws -> Never {
        try appendAudit(event: .signatureRefused, data: ["person": person, "reason": error.code.rawValue, "meaning": meaning.rawValue, "subject": subject],
                        signer: coordinator)
        throw error
    }

    /// When the person's lock ends, or nil if not locked: the wrong-passphrase refusals
    /// after their last signature and within the window.
    func lockedUntil(_ name: String, policy: SigningPolicy, now: Date) throws -> Date? {
        var failures: [Date] = []
        for entry in try auditEntries() where entry.data["person"] == name {
            if entry.kind == .signatureRecorded { failures = [] }
            if entry.kind == .signatureRefused, entry.data["reason"] == LifecycleError.Code.wrongPassphrase.rawValue,
               let time = try? Date(entry.time, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
                failures.append(time)
            }
        }
        let window = TimeInterval(policy.lockoutSeconds)
        let recent = failures.filter { now.timeIntervalSince($0) < window }
        guard recent.count >= policy.maxFailures else { return nil }
        return recent[recent.count - policy.maxFailures].addingTimeInterval(window)
    }

    /// Each version's lifecycle state, derived from the validation records and the
    /// signature records that verify.
    public func lifecycleStates() throws -> [Int: LifecycleState] {
        let replay = try lifecycleReplay(records: try signatureRecords()).replay
        var states: [Int: LifecycleState] = [:]
        for v in try versionNumbers() { states[v] = replay.state(of: v) }
        return states
    }

    /// Replays the records that verify; returns the replay and one problem per record
    /// that does not (bad signature, moved, unknown or inactive signer, broken rule).
    /// `contiguous: false` skips the sequence check, for a release package that holds
    /// only the records about one version and its plan.
    func lifecycleReplay(records: [SignatureRecord], contiguous: Bool = true) throws -> (replay: LifecycleReplay, problems: [(SignatureRecord, String)]) {
        var validated: Set<Int> = []
        for v in try versionNumbers() {
            if let record = try? validation(version: v), record.outcome == .passed, record.versionID == (try? version(v))?.id { validated.insert(v) }
        }
        var replay = LifecycleReplay(validated: validated)
        var problems: [(SignatureRecord, String)] = []
        let persons = Dictionary(try persons().map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        for (index, record) in records.enumerated() {
            if contiguous, record.seq != index + 1 { problems.append((record, "sequence number \(record.seq), expected \(index + 1) (record removed or renumbered?)")) }
            guard let person = persons[record.person], let raw = Hex.decode(person.publicKey), let key = try? PublicKey(rawRepresentation: raw),
                  person.fingerprint == record.fingerprint else {
                problems.append((record, "signed by \(record.person), who is not an enrolled person with that key")); continue
            }
            guard record.signatureValid(with: key) else { problems.append((record, "\(record.person)'s signature does not verify (record edited?)")); continue }
            guard (try? signedHash(record.subject, record.number)) == record.signedHash else {
                problems.append((record, "signed hash does not match \(record.subject.rawValue) \(record.number) as stored (record moved, or what was signed changed)")); continue
            }
            guard person.wasActive(at: record.time) else { problems.append((record, "\(record.person) was not enrolled or already revoked at \(record.time)")); continue }
            guard LifecycleRoles.allowed(for: record.meaning).contains(record.role), person.roles.contains(record.role) else {
                problems.append((record, "\(record.person) signed '\(record.meaning.rawValue)' in role '\(record.role)', which may not")); continue
            }
            do { try replay.apply(record) } catch let error as LifecycleError { problems.append((record, "breaks a lifecycle rule: \(error)")) }
        }
        return (replay, problems)
    }
}
