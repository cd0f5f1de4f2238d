import FedTwinWire

extension Registry {
    /// Checks plans, validation records and every signature record: the person's signature,
    /// the signed hash against what it names (so a record moved to another version fails),
    /// the signer's enrolment and role at the time, and the lifecycle rules in sequence
    /// order (approval only after a passed validation, release only after approval and by
    /// another person). One check per plan, validation record and signature record.
    func verifyLifecycle(into report: inout VerificationReport) {
        for n in (try? planVersions()) ?? [] {
            report.check("plan \(n)") { "intended use: \(try plan(n).intendedUse)" }
        }
        for v in (try? versionNumbers()) ?? [] where (try? storage.read(Self.validationPath(v))) != nil {
            report.check("version \(v) validation") {
                guard let record = try validation(version: v) else { return "none" }
                guard record.versionID == (try version(v)).id else {
                    throw RegistryError(path: Self.validationPath(v), problem: "names version id \(record.versionID.prefix(12)), not version \(v)'s")
                }
                return "\(record.outcome.rawValue) under plan \(record.planVersion)"
            }
        }
        let records: [SignatureRecord]
        do {
            records = try signatureRecords()
        } catch {
            report.fail("signatures", "\(error)")
            return
        }
        guard !records.isEmpty else { return }
        do {
            let problems = try lifecycleReplay(records: records).problems
            // Each record was written with a coordinator-signed audit entry naming its hash:
            // a record added beside the registry (even one a person really signed) has none.
            let audited = Set(try auditEntries().filter { $0.kind == .signatureRecorded }.compactMap { $0.data["id"] })
            for record in records {
                let subject = "signature \(record.seq) (\(record.meaning.rawValue) \(record.subject.rawValue) \(record.number))"
                var found = problems.filter { $0.0 == record }.map(\.1)
                let bytes = try storage.read(Self.signatureRecordPath(record.seq)) ?? []
                if !audited.contains(SHA256.hex(bytes)) {
                    found.append("no signature-recorded audit entry names \(Self.signatureRecordPath(record.seq)) as it is (added or edited outside the registry?)")
                }
                if found.isEmpty {
                    report.pass(subject, "\(record.printedName) (\(record.person), \(record.role)) at \(record.time)")
                } else {
                    report.fail(subject, found.joined(separator: "; "))
                }
            }
        } catch {
            report.fail("signatures", "\(error)")
        }
    }
}
