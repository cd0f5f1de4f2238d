import FedTwinAggregation
import FedTwinWire
import Foundation

extension Registry {
    /// Checks the audit log: every entry's hash, its link to the previous one, sequence
    /// numbers, and the coordinator's signatures. Only the last entry of each append is
    /// signed; an unsigned entry is covered by the next signed one, whose hash chains it.
    /// So every signature present must verify and the last entry must be signed: an
    /// unsigned tail (a log cut inside a batch, or entries appended without the key) is
    /// covered by nothing. Logs written when every entry was signed verify unchanged.
    ///
    /// A hash chain cannot show that its newest entries were cut off: a shorter log still
    /// verifies. `anchors` closes that gap: hashes (or prefixes of at least 16 hex digits)
    /// of entries a reviewer recorded earlier, outside the store — each must still be in
    /// the chain, so history up to it cannot have been truncated or rewritten.
    ///
    /// Where the chain stops verifying — the damaged tail `fedtwin audit quarantine` moves
    /// aside — is `auditDamage()`.
    public func verifyAudit(anchors: [String] = []) -> VerificationReport {
        var report = VerificationReport()
        let key: PublicKey
        do {
            key = try info().key()
        } catch {
            report.fail("store.json", "\(error)")
            return report
        }
        let entries: [AuditEntry]
        do {
            entries = try auditEntries()
        } catch {
            report.fail("audit.log", "\(error)")
            return report
        }
        var prev = AuditEntry.genesis
        var problems = 0
        var signatures = 0
        // The first of the unsigned entries since the last signature: nil when covered.
        var uncovered: AuditEntry?
        for (index, entry) in entries.enumerated() {
            let subject = Self.auditSubject(entry, line: index + 1)
            if entry.seq != index + 1 { report.fail(subject, "sequence number \(entry.seq), expected \(index + 1) (entry removed or reordered?)"); problems += 1 }
            if entry.prev != prev { report.fail(subject, "does not link to the previous entry (entry removed, inserted or reordered?)"); problems += 1 }
            if let problem = entry.hashProblem() { report.fail(subject, problem); problems += 1 }
            if entry.sig == nil {
                if uncovered == nil { uncovered = entry }
            } else {
                // A bad signature is its own failure; it does not also make the entries
                // before it "uncovered".
                if entry.signatureValid(with: key) { signatures += 1 } else { report.fail(subject, "coordinator signature does not verify"); problems += 1 }
                uncovered = nil
            }
            prev = entry.hash
        }
        if let first = uncovered, let last = entries.last {
            let range = first.seq == last.seq ? "entry \(last.seq) is" : "entries \(first.seq)–\(last.seq) are"
            report.fail(Self.auditSubject(last, line: entries.count),
                        "\(range) not covered by any signature (log cut inside a batch, or appended without the coordinator key)")
            problems += 1
        }
        // A torn last line (an append cut short by a crash) holds no committed entry; say so.
        let torn = ((try? storage.read("audit.log"))?.last).map { $0 != 0x0a } ?? false
        if problems == 0 {
            let counted = "\(entries.count) \(entries.count == 1 ? "entry" : "entries") in \(signatures) signed \(signatures == 1 ? "batch" : "batches")"
            report.pass("audit log", counted + ", chain and signatures intact" + (torn ? "; a torn last line (append interrupted by a crash) is ignored and cut by the next append" : ""))
        }
        for anchor in anchors {
            let prefix = anchor.lowercased()
            guard prefix.count >= 16, prefix.count <= 64, prefix.allSatisfy(\.isHexDigit) else {
                report.fail("audit anchor \(anchor)", "not an audit hash: give at least 16 and at most 64 hex digits")
                continue
            }
            if let entry = entries.first(where: { $0.hash.hasPrefix(prefix) }) {
                report.pass("audit anchor \(anchor.prefix(16))…", "entry \(entry.seq) (\(entry.event), \(entry.time)) is in the chain")
            } else {
                report.fail("audit anchor \(anchor.prefix(16))…", "no entry with this hash in the \(entries.count)-entry log: history was truncated or rewritten after it was recorded")
            }
        }
        if let head = entries.last {
            report.pass("audit head", "entry \(head.seq) hash \(head.hash) — record it outside the store to detect later truncation (`fedtwin audit verify --anchor HASH`)")
        }
        return report
    }

    /// How a verify check names an audit entry: its seq, line and event.
    static func auditSubject(_ entry: AuditEntry, line: Int) -> String {
        "audit entry \(entry.seq) (line \(line), \(entry.event))"
    }

    /// Checks versions: manifest signatures, the parent chain, every referenced object's
    /// hash, every contribution's signed frame, evaluation records, the audit anchors and —
    /// with `replay` — recomputes each aggregation from the stored updates and compares the
    /// result bit for bit.
    public func verify(versions requested: [Int]? = nil, replay: Bool) -> VerificationReport {
        var report = verifyAudit()
        let info: StoreInfo
        let key: PublicKey
        do {
            info = try self.info()
            key = try info.key()
        } catch {
            report.fail("store.json", "\(error)")
            return report
        }
        if let hash = info.component.specHash {
            report.check("component spec") {
                _ = try object(hash)
                return "spec file \(hash.prefix(16))… is in the store and hashes to its id"
            }
        }
        let auditHashes = Set(((try? auditEntries()) ?? []).map(\.hash))
        let all: [Int]
        do {
            all = try versionNumbers()
        } catch {
            report.fail("versions", "\(error)")
            return report
        }
        if let missing = (requested ?? []).first(where: { !all.contains($0) }) {
            report.fail("version \(missing)", "does not exist (versions: \(all.first ?? 0)…\(all.last ?? 0))")
        }
        let targets = requested ?? all
        let enrolments = (try? self.enrolments()) ?? EnrolmentScan()
        for damaged in enrolments.unreadable { report.fail(damaged.path, damaged.problem) }
        let sites = enrolments.sites
        for number in targets where all.contains(number) {
            let subject = "version \(number)"
            guard let bytes = try? storage.read(Self.versionPath(number)), let version = try? self.version(number) else {
                report.fail(subject, "manifest cannot be read or parsed")
                continue
            }
            let m = version.manifest
            report.check("\(subject) signature") {
                guard let sigBytes = try storage.read(Self.signaturePath(number)) else { throw RegistryError(path: Self.signaturePath(number), problem: "missing") }
                let sig = try decode(SignatureFile.self, sigBytes, path: Self.signaturePath(number))
                guard sig.documentID == version.id else { throw RegistryError(path: Self.signaturePath(number), problem: "signs document \(sig.documentID.prefix(12)), manifest is \(version.id.prefix(12)) (manifest edited?)") }
                guard sig.signer == info.coordinator, let signature = Hex.decode(sig.signature),
                      key.isValidSignature(signature, for: Canonical.digest(domain: Canonical.manifestDomain, bytes)) else {
                    throw RegistryError(path: Self.signaturePath(number), problem: "coordinator signature does not verify")
                }
                return "signed by coordinator \(sig.signer.short), id \(version.id.prefix(16))"
            }
            if m.component != info.component {
                report.fail("\(subject) component", "manifest names component \(m.component.id) (spec \(m.component.specHash?.prefix(16) ?? "none")), the store \(info.component.id) (spec \(info.component.specHash?.prefix(16) ?? "none"))")
            }
            report.check("\(subject) parent") {
                if number == 0 {
                    guard m.parent == nil else { throw RegistryError(path: Self.versionPath(0), problem: "version 0 has a parent") }
                    return "initial version"
                }
                let parent = try self.version(number - 1)
                guard m.parent == number - 1, m.parentID == parent.id else {
                    throw RegistryError(path: Self.versionPath(number), problem: "parent id \(m.parentID?.prefix(12) ?? "none") is not version \(number - 1)'s id \(parent.id.prefix(12))")
                }
                return "links to version \(number - 1)"
            }
            report.check("\(subject) objects") {
                let params = try object(m.parameters)
                let tensors = try SafeTensors.decode(params).tensors
                try m.component.schema.validate(tensors)
                if let optimizer = m.optimizerState { _ = try object(optimizer) }
                return "parameters \(m.parameters.prefix(12)) match the schema (\(m.component.schema.parameterCount) values)"
            }
            report.check("\(subject) audit anchor") {
                guard auditHashes.contains(m.auditHead) || (m.auditHead == AuditEntry.genesis) else {
                    throw RegistryError(path: Self.versionPath(number), problem: "audit head \(m.auditHead.prefix(12)) is not in audit.log (log truncated or rewritten?)")
                }
                return "audit head found in the log"
            }
            for c in m.contributions {
                report.check("\(subject) update from \(c.site)") {
                    guard let site = sites.first(where: { $0.fingerprint == c.fingerprint }) else {
                        throw RegistryError(path: "sites", problem: "no enrolment for key \(c.fingerprint.short)")
                    }
                    let frameBytes = try object(c.update)
                    let received = try MessageCodec(limits: m.frameLimits).parse(frameBytes).open(with: try site.key())
                    guard case .update(let u) = received.message, u.samples == c.samples, Int(received.envelope.round) == m.round else {
                        throw RegistryError(path: Self.objectPath(c.update), problem: "frame does not match the manifest's record (samples or round)")
                    }
                    return "signed by \(site.name) (\(site.fingerprint.short)), \(c.samples) samples"
                }
            }
            if let evalBytes = try? storage.read(Self.evaluationPath(number)) {
                report.check("\(subject) evaluations") {
                    guard let sigBytes = try storage.read(Self.evaluationSignaturePath(number)) else { throw RegistryError(path: Self.evaluationSignaturePath(number), problem: "missing") }
                    let sig = try decode(SignatureFile.self, sigBytes, path: Self.evaluationSignaturePath(number))
                    guard let signature = Hex.decode(sig.signature), key.isValidSignature(signature, for: Canonical.digest(domain: Canonical.evaluationDomain, evalBytes)) else {
                        throw RegistryError(path: Self.evaluationPath(number), problem: "coordinator signature does not verify (record edited?)")
                    }
                    let record = try decode(EvaluationRecord.self, evalBytes, path: Self.evaluationPath(number))
                    guard record.versionID == version.id else { throw RegistryError(path: Self.evaluationPath(number), problem: "evaluates another version id") }
                    for e in record.evaluations {
                        guard let site = sites.first(where: { $0.fingerprint == e.fingerprint }) else { throw RegistryError(path: "sites", problem: "no enrolment for \(e.site)") }
                        let received = try MessageCodec(limits: m.frameLimits).parse(try object(e.frame)).open(with: try site.key())
                        guard case .evaluation(let ev) = received.message, ev.versionID == version.id, ev.metrics == e.metrics else {
                            throw RegistryError(path: Self.objectPath(e.frame), problem: "evaluation frame from \(e.site) does not match the record")
                        }
                    }
                    return "\(record.evaluations.count) site evaluations, signed"
                }
            }
            if replay && number > 0 {
                report.check("\(subject) replay") {
                    let parent = try self.version(number - 1)
                    let strategy = try m.strategy.makeStrategy()
                    let pending = try m.contributions.map { c -> PendingContribution in
                        guard let site = sites.first(where: { $0.fingerprint == c.fingerprint }) else {
                            throw RegistryError(path: "sites", problem: "no enrolment for key \(c.fingerprint.short)")
                        }
                        return PendingContribution(site: site, frameID: c.update)
                    }
                    let outcome = try aggregate(parent: parent, strategy: strategy, updates: pending, limits: m.frameLimits)
                    let parameters = SHA256.hex(SafeTensors.encode(outcome.state.parameters))
                    guard parameters == m.parameters else {
                        throw RegistryError(path: Self.versionPath(number), problem: "replayed parameters hash \(parameters.prefix(16)) ≠ recorded \(m.parameters.prefix(16))")
                    }
                    let optimizer = outcome.state.optimizerState.isEmpty ? nil : SHA256.hex(SafeTensors.encode(outcome.state.optimizerState))
                    guard optimizer == m.optimizerState else {
                        throw RegistryError(path: Self.versionPath(number), problem: "replayed optimiser state differs from the recorded one")
                    }
                    return "recomputed \(m.strategy.name) over \(pending.count) stored updates: parameters identical bit for bit (\(parameters.prefix(16)))"
                }
            }
        }
        verifyLifecycle(into: &report)
        return report
    }
}
