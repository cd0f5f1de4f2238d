import FedTwinWire
import Foundation

extension Registry {
    /// What a power loss can leave of the validation and signing writes, repaired the way
    /// `reconcile` repairs a commit (called from it, under the write lock):
    /// - the latest version's validation record, if it does not match its signature or does
    ///   not parse: set aside (`validation-set-aside`) and computed again from the
    ///   evaluations when they stand;
    /// - the last signature record, if it does not parse or no `signature-recorded` entry
    ///   names it as it is: set aside (`signature-set-aside`). Its `sign` never returned
    ///   (the record and its entry are durable together), so no one was told it exists;
    ///   the person signs again.
    func reconcileSigning(signer: SigningKey, key: PublicKey, into report: inout ReconcileReport) throws {
        if let last = try versionNumbers().last, let bytes = try storage.read(Self.validationPath(last)) {
            var problem = try signedDocumentProblem(bytes, signaturePath: Self.validationSignaturePath(last), domain: Canonical.validationDomain, key: key)
            if problem == nil, (try? Canonical.decoder.decode(ValidationRecord.self, from: Data(bytes)))?.version != last {
                problem = "cannot be parsed as version \(last)'s validation record"
            }
            if let problem {
                let moved = try setAside([Self.validationPath(last), Self.validationSignaturePath(last)])
                try appendAudit(event: .validationSetAside, data: ["version": String(last), "reason": problem, "moved-to": moved.joined(separator: ",")],
                                signer: signer, durable: true)
                report.setAside += moved
                report.reasons.append("validation record of version \(last): \(problem)")
                if let evaluationBytes = try storage.read(Self.evaluationPath(last)), let evaluation = try evaluations(version: last) {
                    try recordValidationWhenPlanned(version: try version(last), evaluation: evaluation, evaluationBytes: evaluationBytes, signer: signer)
                    try storage.sync()
                }
            }
        }
        guard let lastName = try storage.list("signatures").filter({ $0.hasSuffix(".json") }).sorted().last else { return }
        let path = "signatures/\(lastName)"
        let bytes = try storage.read(path) ?? []
        let audited = Set(try auditEntries().filter { $0.kind == .signatureRecorded }.compactMap { $0.data["id"] })
        let problem: String?
        if (try? Canonical.decoder.decode(SignatureRecord.self, from: Data(bytes))) == nil {
            problem = "cannot be parsed (\(bytes.count) bytes: a write cut short by a crash)"
        } else if !audited.contains(SHA256.hex(bytes)) {
            problem = "no signature-recorded audit entry names it (its signing never returned)"
        } else {
            problem = nil
        }
        if let problem {
            let moved = try setAside([path])
            try appendAudit(event: .signatureSetAside, data: ["record": path, "reason": problem, "moved-to": moved.joined(separator: ",")],
                            signer: signer, durable: true)
            report.setAside += moved
            report.reasons.append("\(path): \(problem)")
        }
    }
}
