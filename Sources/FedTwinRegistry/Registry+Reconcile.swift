import FedTwinWire
import Foundation

/// What `Registry.reconcile` repaired.
public struct ReconcileReport: Sendable, Equatable {
    /// Versions whose lost `version-committed` entry was re-recorded.
    public var rerecorded: [Int] = []
    /// Files set aside into quarantine/ (store-relative paths they were moved to).
    public var setAside: [String] = []
    /// Why each group of files was set aside, one line each.
    public var reasons: [String] = []

    public var isEmpty: Bool { rerecorded.isEmpty && setAside.isEmpty }
}

extension Registry {
    /// Repairs what a crash, a power loss included, can leave between a commit's (or an
    /// evaluation record's) two barriers. Called by the coordinator at start, before it
    /// reads the latest version:
    /// - a latest manifest that does not match its signature file (the signature is durable
    ///   before the manifest is written, so a manifest cut short by a power loss — empty,
    ///   torn — shows as bytes that do not hash to the id it names), or does not parse:
    ///   it, its signature and its evaluation files are moved to quarantine/ and the
    ///   previous version is the latest again. That version's commit never returned, so no
    ///   one was told it exists;
    /// - the latest version's evaluation record likewise (the coordinator evaluates the
    ///   version again);
    /// - a committed version whose `version-committed` audit entry was lost: re-recorded as
    ///   `version-committed-recovered`;
    /// - a torn validation record or last signature record (`reconcileSigning`).
    /// Each move is audited (`version-set-aside`, `evaluations-set-aside`); nothing is
    /// deleted. Throws `auditDamaged` when the audit tail does not verify: then nothing is
    /// changed until an operator runs `fedtwin audit quarantine`.
    @discardableResult
    public func reconcile(signer: SigningKey) throws -> ReconcileReport {
        try storage.withWriteLock {
            try requireCoordinator(signer)
            if let damage = try auditDamage(signatures: false) { throw damage.error(location: storage.location) }
            var report = ReconcileReport()
            let key = try info().key()
            if let last = try versionNumbers().last, let problem = try manifestProblem(last, key: key) {
                let moved = try setAside([Self.versionPath(last), Self.signaturePath(last), Self.evaluationPath(last), Self.evaluationSignaturePath(last)])
                try appendAudit(event: .versionSetAside, data: [
                    "version": String(last), "reason": problem, "moved-to": moved.joined(separator: ","),
                ], signer: signer, durable: true)
                report.setAside += moved
                report.reasons.append("version \(last): \(problem)")
            }
            if let last = try versionNumbers().last, let problem = try evaluationProblem(last, key: key) {
                let moved = try setAside([Self.evaluationPath(last), Self.evaluationSignaturePath(last)])
                try appendAudit(event: .evaluationsSetAside, data: [
                    "version": String(last), "reason": problem, "moved-to": moved.joined(separator: ","),
                ], signer: signer, durable: true)
                report.setAside += moved
                report.reasons.append("evaluations of version \(last): \(problem)")
            }
            try reconcileSigning(signer: signer, key: key, into: &report)
            let recorded = Set(try auditEntries().filter { $0.kind == .versionCommitted || $0.kind == .versionCommittedRecovered }.compactMap { $0.data["id"] })
            for number in try versionNumbers() {
                let v = try version(number)
                if !recorded.contains(v.id) {
                    try appendAudit(event: .versionCommittedRecovered, data: Self.commitAuditData(v.manifest, id: v.id), signer: signer, durable: true)
                    report.rerecorded.append(number)
                }
            }
            return report
        }
    }

    /// Why a stored signed document does not stand, or nil when it does: its signature
    /// file is missing or unparseable, names other bytes, or does not verify.
    func signedDocumentProblem(_ bytes: [UInt8], signaturePath: String, domain: String, key: PublicKey) throws -> String? {
        guard let sigBytes = try storage.read(signaturePath) else { return "its signature file \(signaturePath) is missing" }
        guard let sig = try? Canonical.decoder.decode(SignatureFile.self, from: Data(sigBytes)) else {
            return "its signature file \(signaturePath) cannot be parsed (\(sigBytes.count) bytes)"
        }
        guard sig.documentID == SHA256.hex(bytes) else {
            return "its \(bytes.count) bytes do not hash to the id \(sig.documentID.prefix(12)) its signature names (a write cut short by a crash)"
        }
        guard let signature = Hex.decode(sig.signature), key.isValidSignature(signature, for: Canonical.digest(domain: domain, bytes)) else {
            return "the coordinator signature does not verify"
        }
        return nil
    }

    func manifestProblem(_ number: Int, key: PublicKey) throws -> String? {
        let bytes = try storage.read(Self.versionPath(number)) ?? []
        if let problem = try signedDocumentProblem(bytes, signaturePath: Self.signaturePath(number), domain: Canonical.manifestDomain, key: key) {
            return "manifest: \(problem)"
        }
        guard let manifest = try? Canonical.decoder.decode(VersionManifest.self, from: Data(bytes)), manifest.version == number else {
            return "manifest cannot be parsed as version \(number)"
        }
        return nil
    }

    func evaluationProblem(_ number: Int, key: PublicKey) throws -> String? {
        guard let bytes = try storage.read(Self.evaluationPath(number)) else { return nil }
        if let problem = try signedDocumentProblem(bytes, signaturePath: Self.evaluationSignaturePath(number), domain: Canonical.evaluationDomain, key: key) {
            return "evaluation record: \(problem)"
        }
        guard let record = try? Canonical.decoder.decode(EvaluationRecord.self, from: Data(bytes)), record.version == number,
              let manifest = try? storage.read(Self.versionPath(number)), record.versionID == SHA256.hex(manifest) else {
            return "evaluation record cannot be parsed or names another version"
        }
        return nil
    }

    /// Moves the files that exist among `paths` to quarantine/<time>/ under the same
    /// relative paths, and returns where they went.
    func setAside(_ paths: [String]) throws -> [String] {
        let folder = "quarantine/\(Self.quarantineStamp())"
        var moved: [String] = []
        for path in paths where try storage.read(path) != nil {
            let destination = "\(folder)/\(path)"
            try storage.move(path, to: destination)
            moved.append(destination)
        }
        return moved
    }
}
