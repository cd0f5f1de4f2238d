import FedTwinAggregation
import FedTwinWire
import Foundation

extension ReleasePackage {
    /// Verifies the package with nothing but its own files: the coordinator's signature on
    /// `FILES.sha256` and every file against it (a changed, added or removed file is named),
    /// the signed documents, the validation record against the plan and evaluations, every
    /// e-signature and the lifecycle rules, the audit segment, and the parameters against the
    /// manifest. `coordinator`, when given, pins the key the package must be signed with: its
    /// fingerprint in hex, all 64 digits or at least the 16 people are shown.
    public func verify(coordinator pinned: String? = nil) -> VerificationReport {
        var report = VerificationReport()
        // The coordinator key: from the package itself, so only a pinned fingerprint makes it
        // evidence of who signed.
        let storeInfo: StoreInfo
        let key: PublicKey
        do {
            guard let bytes = files[Self.storePrefix + "store.json"] else { throw RegistryError(path: "store/store.json", problem: "missing") }
            storeInfo = try Registry(storage: InMemoryStorage()).decode(StoreInfo.self, bytes, path: "store/store.json")
            key = try storeInfo.key()
            guard key.fingerprint == storeInfo.coordinator else {
                throw RegistryError(path: "store/store.json", problem: "coordinatorKey does not have the fingerprint it states")
            }
            if let pinned, pinned.count < 16 || !storeInfo.coordinator.hex.hasPrefix(pinned.lowercased()) {
                throw RegistryError(path: "store/store.json", problem: "signed by coordinator key \(storeInfo.coordinator.short), not the pinned \(pinned)")
            }
            report.pass("coordinator key", pinned == nil ? "\(storeInfo.coordinator.hex) (taken from the package: pin it with --coordinator-fingerprint)"
                                                         : "\(storeInfo.coordinator.hex) (pinned)")
        } catch {
            report.fail("coordinator key", "\(error)")
            return report
        }
        verifyFileList(key: key, into: &report)
        verifyContents(into: &report)
        return report
    }

    /// The signed list, then each file against it.
    func verifyFileList(key: PublicKey, into report: inout VerificationReport) {
        guard let list = files[Self.listPath] else { report.fail("file \(Self.listPath)", "missing"); return }
        do {
            guard let sigBytes = files[Self.listSignaturePath] else { throw RegistryError(path: Self.listSignaturePath, problem: "missing") }
            let sig = try Registry(storage: InMemoryStorage()).decode(SignatureFile.self, sigBytes, path: Self.listSignaturePath)
            guard sig.domain == Self.domain, sig.documentID == SHA256.hex(list), let raw = Hex.decode(sig.signature),
                  key.isValidSignature(raw, for: Canonical.digest(domain: Self.domain, list)) else {
                throw RegistryError(path: Self.listPath, problem: "the coordinator's signature in \(Self.listSignaturePath) does not verify (file list edited?)")
            }
            report.pass("file \(Self.listPath)", "signed by the coordinator")
        } catch {
            report.fail("file \(Self.listPath)", "\(error)")
        }
        var listed: [String: String] = [:]
        for (index, line) in String(decoding: list, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3, parts[1].isEmpty, parts[0].utf8.count == 64, Hex.decode(String(parts[0])) != nil else {
                report.fail("file \(Self.listPath)", "line \(index + 1) is not '<sha256>  <path>'")
                continue
            }
            listed[String(parts[2])] = String(parts[0])
        }
        for path in Set(listed.keys).union(files.keys).sorted() where path != Self.listPath && path != Self.listSignaturePath {
            switch (listed[path], files[path]) {
            case (nil, _?): report.fail("file \(path)", "not listed in \(Self.listPath) (added to the package?)")
            case (_?, nil): report.fail("file \(path)", "listed in \(Self.listPath) but missing (removed?)")
            case (let hash?, let bytes?):
                if SHA256.hex(bytes) == hash { report.pass("file \(path)", "sha256 \(hash.prefix(16))") } else {
                    report.fail("file \(path)", "content changed: sha256 \(SHA256.hex(bytes).prefix(16)), listed \(hash.prefix(16))")
                }
            case (nil, nil): break
            }
        }
    }

    /// The records inside, checked by the registry's own code on the `store/` files.
    func verifyContents(into report: inout VerificationReport) {
        let storage = InMemoryStorage()
        for (path, bytes) in files where path.hasPrefix(Self.storePrefix) {
            try? storage.writeAtomically(bytes, to: String(path.dropFirst(Self.storePrefix.count)), durable: false)
        }
        let registry = Registry(storage: storage)
        var info: PackageInfo?
        report.check("package.json") {
            guard let bytes = files["package.json"] else { throw RegistryError(path: "package.json", problem: "missing") }
            info = try registry.decode(PackageInfo.self, bytes, path: "package.json")
            return "version \(info!.version), \(info!.stateAtExport) at export"
        }
        guard let info else { return }
        let number = info.version
        var version: StoredVersion?
        report.check("version \(number) manifest") {
            _ = try registry.verifiedSigned(path: Registry.versionPath(number), signaturePath: Registry.signaturePath(number), domain: Canonical.manifestDomain)
            let v = try registry.version(number)
            guard v.id == info.versionID else { throw RegistryError(path: "package.json", problem: "names version id \(info.versionID.prefix(12)), the manifest is \(v.id.prefix(12))") }
            version = v
            return "signed by the coordinator, id \(v.id.prefix(16))"
        }
        guard let version else { return }
        report.check("parameters.safetensors") {
            guard let bytes = files["parameters.safetensors"] else { throw RegistryError(path: "parameters.safetensors", problem: "missing") }
            let (tensors, metadata) = try SafeTensors.decode(bytes)
            guard SafeTensors.contentID(tensors) == version.manifest.parameters else {
                throw RegistryError(path: "parameters.safetensors", problem: "tensors do not hash to the manifest's parameters id \(version.manifest.parameters.prefix(12))")
            }
            guard metadata["fedtwin.version"] == String(number), metadata["fedtwin.version_id"] == version.id,
                  metadata["fedtwin.component"] == version.manifest.component.id else {
                throw RegistryError(path: "parameters.safetensors", problem: "metadata does not name component \(version.manifest.component.id) version \(number)")
            }
            return "the manifest's parameters (\(tensors.count) tensors)"
        }
        report.check("component.json") {
            let spec = try registry.decode(ComponentSpec.self, files["component.json"] ?? [], path: "component.json")
            guard spec == version.manifest.component else { throw RegistryError(path: "component.json", problem: "differs from the manifest's component") }
            if let hash = spec.specHash {
                guard let file = files["component-spec.json"], SHA256.hex(file) == hash else {
                    throw RegistryError(path: "component-spec.json", problem: "missing or not the spec file the manifest names (spec hash \(hash.prefix(12)))")
                }
                guard metadata(files["parameters.safetensors"])?["fedtwin.spec_hash"] == hash else {
                    throw RegistryError(path: "parameters.safetensors", problem: "metadata does not name spec hash \(hash.prefix(12))")
                }
                return "\(spec.id), spec file hash \(hash.prefix(16))"
            }
            return spec.id
        }
        var evaluationBytes: [UInt8]?
        if files[Self.storePrefix + Registry.evaluationPath(number)] != nil {
            report.check("version \(number) evaluations") {
                evaluationBytes = try registry.verifiedSigned(path: Registry.evaluationPath(number), signaturePath: Registry.evaluationSignaturePath(number),
                                                              domain: Canonical.evaluationDomain)
                let record = try registry.evaluations(version: number)!
                guard record.versionID == version.id else { throw RegistryError(path: Registry.evaluationPath(number), problem: "names another version id") }
                return "\(record.evaluations.count) sites, signed by the coordinator"
            }
        }
        if files[Self.storePrefix + Registry.validationPath(number)] != nil {
            report.check("version \(number) validation") {
                guard let record = try registry.validation(version: number) else { return "none" }
                let plan = try registry.plan(record.planVersion)
                let planBytes = try storage.read(Registry.planPath(record.planVersion)) ?? []
                guard record.versionID == version.id, record.planID == SHA256.hex(planBytes),
                      let evaluationBytes, record.evaluationID == SHA256.hex(evaluationBytes), let evaluation = try registry.evaluations(version: number) else {
                    throw RegistryError(path: Registry.validationPath(number), problem: "does not name this version, its plan and its evaluation record")
                }
                let baseline = number == 0 ? evaluation : try? registry.evaluations(version: 0)
                let judged = Registry.judge(plan: plan, evaluation: evaluation, baseline: baseline)
                guard judged.outcome == record.outcome, judged.results == record.results else {
                    throw RegistryError(path: Registry.validationPath(number), problem: "plan \(plan.planVersion) applied to the evaluations gives \(judged.outcome.rawValue), the record says \(record.outcome.rawValue)")
                }
                return "\(record.outcome.rawValue) under plan \(record.planVersion) (recomputed)"
            }
        }
        let entries = verifyAuditSegment(registry: registry, info: info, version: version, into: &report)
        verifySignatures(registry: registry, info: info, entries: entries, into: &report)
        report.check("sites") {
            let sites = try registry.sites()
            let enrolled = Set(entries.filter { $0.event == "enrol" }.compactMap { e in e.data["site"].flatMap { s in e.data["fingerprint"].map { "\(s) \($0)" } } })
            for c in version.manifest.contributions {
                guard let site = sites.first(where: { $0.name == c.site }), site.fingerprint == c.fingerprint else {
                    throw RegistryError(path: "store/sites/\(c.site).json", problem: "no enrolment of \(c.site) with the key its update was signed with")
                }
                guard enrolled.contains("\(c.site) \(c.fingerprint.hex)") else {
                    throw RegistryError(path: "store/audit.log", problem: "the segment holds no enrol entry for \(c.site) with key \(c.fingerprint.short)")
                }
            }
            return "\(version.manifest.contributions.count) contributing sites enrolled with the keys their updates were signed with"
        }
    }

    /// The segment's chain, signatures and head, and the entries that must be in it.
    func verifyAuditSegment(registry: Registry, info: PackageInfo, version: StoredVersion, into report: inout VerificationReport) -> [AuditEntry] {
        var result: [AuditEntry] = []
        report.check("audit segment") {
            let entries = try registry.auditEntries()
            let key = try registry.info().key()
            guard let first = entries.first, let last = entries.last else { throw RegistryError(path: "store/audit.log", problem: "empty") }
            var prev = first.prev
            for e in entries {
                if let problem = e.hashProblem() { throw RegistryError(path: "store/audit.log", problem: "entry \(e.seq): \(problem)") }
                guard e.prev == prev else { throw RegistryError(path: "store/audit.log", problem: "entry \(e.seq) does not chain to the one before (removed or reordered?)") }
                if e.sig != nil, !e.signatureValid(with: key) {
                    throw RegistryError(path: "store/audit.log", problem: "entry \(e.seq): coordinator signature does not verify")
                }
                prev = e.hash
            }
            guard last.sig != nil else { throw RegistryError(path: "store/audit.log", problem: "the last entry (\(last.seq)) is not signed") }
            let segment = AuditSegment(firstSeq: first.seq, lastSeq: last.seq, anchor: first.prev, head: last.hash)
            guard segment == info.auditSegment else { throw RegistryError(path: "package.json", problem: "auditSegment differs from store/audit.log's entries \(first.seq)–\(last.seq)") }
            guard let commit = entries.firstIndex(where: { $0.event == "version-committed" && $0.data["id"] == version.id }) else {
                throw RegistryError(path: "store/audit.log", problem: "no version-committed entry for version \(version.number)")
            }
            let before = commit > 0 ? entries[commit - 1].hash : first.prev
            guard before == version.manifest.auditHead else {
                throw RegistryError(path: "store/audit.log", problem: "the entry before the commit is not the manifest's auditHead \(version.manifest.auditHead.prefix(12))")
            }
            result = entries
            return "entries \(first.seq)–\(last.seq) chained and signed, head \(last.hash)"
        }
        return result
    }

    /// Every e-signature and the lifecycle rules, replayed on the package's records.
    func verifySignatures(registry: Registry, info: PackageInfo, entries: [AuditEntry], into report: inout VerificationReport) {
        do {
            let records = try registry.signatureRecords()
            let (replay, problems) = try registry.lifecycleReplay(records: records, contiguous: false)
            let audited = Set(entries.filter { $0.event == "signature-recorded" }.compactMap { $0.data["id"] })
            for record in records {
                let subject = "signature \(record.seq) (\(record.meaning.rawValue) \(record.subject.rawValue) \(record.number))"
                var found = problems.filter { $0.0 == record }.map(\.1)
                let bytes = try registry.storage.read(Registry.signatureRecordPath(record.seq)) ?? []
                if !audited.contains(SHA256.hex(bytes)) { found.append("no signature-recorded entry in the audit segment names it") }
                if found.isEmpty { report.pass(subject, "\(record.printedName) (\(record.person), \(record.role)) at \(record.time)") } else {
                    report.fail(subject, found.joined(separator: "; "))
                }
            }
            let state = replay.state(of: info.version)
            // A later release of another version (not in the package) supersedes this one.
            let consistent = state.description == info.stateAtExport
                || { if case .released(let c) = state { return info.stateAtExport == LifecycleState.superseded(channel: c).description }; return false }()
            if consistent { report.pass("lifecycle", "version \(info.version): \(info.stateAtExport)") } else {
                report.fail("lifecycle", "the signatures give \(state), package.json says \(info.stateAtExport)")
            }
        } catch {
            report.fail("signatures", "\(error)")
        }
    }

    private func metadata(_ bytes: [UInt8]?) -> [String: String]? { bytes.flatMap { try? SafeTensors.decode($0).metadata } }
}
