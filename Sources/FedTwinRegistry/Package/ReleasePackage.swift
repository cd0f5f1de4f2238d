import FedTwinAggregation
import FedTwinWire
import Foundation

/// A release package: everything an inspector needs about one version, verifiable with
/// nothing else (`fedtwin package verify`). The store's own files are copied unchanged under
/// `store/` (same layout, so signatures and signed hashes are checked by the same code as in
/// the store); `FILES.sha256` lists every other file and is signed by the coordinator key.
///
/// ```
/// README.md  MODEL-CARD.md  package.json  component.json  parameters.safetensors
/// component-spec.json                      the spec file, for a declared component
/// store/store.json                          coordinator key
/// store/versions/NNNNNN.json|.sig|.eval.json|.eval.sig
/// store/plans/  store/validation/           the plan used and the validation record
/// store/signatures/                         every e-signature on the version and the plan
/// store/persons/  store/sites/              the signers' and contributing sites' keys
/// store/audit.log                           the audit-log segment (see PackageInfo)
/// FILES.sha256  FILES.sha256.sig
/// ```
public struct ReleasePackage: Sendable, Equatable {
    /// Relative path → bytes.
    public var files: [String: [UInt8]]

    public init(files: [String: [UInt8]]) { self.files = files }

    static let domain = "FedTwin package v1"
    public static let listPath = "FILES.sha256"
    public static let listSignaturePath = "FILES.sha256.sig"
    static let storePrefix = "store/"

    /// `FILES.sha256` for `files`: `sha256sum -c` format, sorted by path.
    static func list(_ files: [String: [UInt8]]) -> [UInt8] {
        Array(files.keys.sorted().map { "\(SHA256.hex(files[$0]!))  \($0)\n" }.joined().utf8)
    }
}

extension Registry {
    /// Builds the release package of version `number`, signed by the coordinator key.
    /// Refuses a version whose manifest signature does not verify.
    public func exportPackage(version number: Int, signer: SigningKey, software: String) throws -> ReleasePackage {
        try requireCoordinator(signer)
        let version = try self.version(number)
        let manifest = version.manifest
        _ = try verifiedSigned(path: Self.versionPath(number), signaturePath: Self.signaturePath(number), domain: Canonical.manifestDomain)
        var files: [String: [UInt8]] = [:]
        func copy(_ path: String) throws {
            guard let bytes = try storage.read(path) else { throw RegistryError(path: path, problem: "missing") }
            files[ReleasePackage.storePrefix + path] = bytes
        }
        try copy("store.json")
        try copy(Self.versionPath(number))
        try copy(Self.signaturePath(number))
        let evaluation = try evaluations(version: number)
        if evaluation != nil {
            _ = try verifiedSigned(path: Self.evaluationPath(number), signaturePath: Self.evaluationSignaturePath(number), domain: Canonical.evaluationDomain)
            try copy(Self.evaluationPath(number))
            try copy(Self.evaluationSignaturePath(number))
        }
        let validation = try self.validation(version: number)
        var plan: ValidationPlan?
        if let validation {
            try copy(Self.validationPath(number))
            try copy(Self.validationSignaturePath(number))
            plan = try self.plan(validation.planVersion)
            try copy(Self.planPath(validation.planVersion))
            try copy(Self.planSignaturePath(validation.planVersion))
            // The baseline a bound was judged against: version 0's evaluation.
            if number != 0, !(plan?.baselineBounds.isEmpty ?? true), try evaluations(version: 0) != nil {
                try copy(Self.evaluationPath(0))
                try copy(Self.evaluationSignaturePath(0))
            }
        }
        let records = try signatureRecords().filter {
            ($0.subject == .version && $0.number == number) || ($0.subject == .plan && $0.number == validation?.planVersion)
        }
        var recordIDs: Set<String> = []
        for record in records {
            try copy(Self.signatureRecordPath(record.seq))
            recordIDs.insert(SHA256.hex(files[ReleasePackage.storePrefix + Self.signatureRecordPath(record.seq)]!))
        }
        for name in Set(records.map(\.person)).sorted() { try copy(Self.personPath(name)) }
        let siteNames = Set(manifest.contributions.map(\.site) + (evaluation?.evaluations.map(\.site) ?? []))
        for name in siteNames.sorted() { try copy("sites/\(name).json") }

        let (segment, segmentInfo) = try auditSegment(version: version, sites: siteNames, recordIDs: recordIDs)
        files[ReleasePackage.storePrefix + "audit.log"] = segment

        let tensors = try SafeTensors.decode(try object(manifest.parameters)).tensors
        files["parameters.safetensors"] = SafeTensors.encode(tensors, metadata: [
            "fedtwin.component": manifest.component.id, "fedtwin.version": String(number), "fedtwin.version_id": version.id,
            "fedtwin.parameters_id": manifest.parameters, "fedtwin.aggregation": manifest.component.aggregation.rawValue,
        ].merging(manifest.component.specHash.map { ["fedtwin.spec_hash": $0] } ?? [:]) { a, _ in a })
        files["component.json"] = try Canonical.prettyEncoder.encode(manifest.component).bytes
        // A declared component: the spec file it was trained with, byte for byte.
        if let specHash = manifest.component.specHash { files["component-spec.json"] = try object(specHash) }
        let state = try lifecycleStates()[number] ?? .candidate
        let info = PackageInfo(format: 1, version: number, versionID: version.id, component: manifest.component.id, stateAtExport: state.description,
                               auditSegment: segmentInfo, exportedAt: Canonical.now(), coordinator: signer.publicKey.fingerprint)
        files["package.json"] = try Canonical.prettyEncoder.encode(info).bytes
        let card = ModelCard(version: version, evaluation: evaluation, validation: validation, plan: plan, records: records,
                             sites: try siteNames.sorted().compactMap { try site(named: $0) }, info: info, software: software)
        files["MODEL-CARD.md"] = Array(card.markdown().utf8)
        files["README.md"] = Array(card.readme().utf8)

        let list = ReleasePackage.list(files)
        let listID = SHA256.hex(list)
        let signature = SignatureFile(domain: ReleasePackage.domain, documentID: listID, signer: signer.publicKey.fingerprint,
                                      signature: Hex.encode(try signer.signature(for: Canonical.digest(domain: ReleasePackage.domain, list))))
        files[ReleasePackage.listPath] = list
        files[ReleasePackage.listSignaturePath] = try Canonical.prettyEncoder.encode(signature).bytes
        return ReleasePackage(files: files)
    }

    /// The audit entries from the first enrolment of a site that contributed to or evaluated
    /// the version (or the entry before its commit) through the last entry about it (its
    /// commit, evaluations, validation record, signatures), extended to the next signed entry.
    func auditSegment(version: StoredVersion, sites: Set<String>, recordIDs: Set<String>) throws -> ([UInt8], AuditSegment) {
        let entries = try auditEntries()
        let number = String(version.number)
        var marks: [Int] = []
        var enrolled: Set<String> = []
        for (i, e) in entries.enumerated() {
            switch e.event {
            case "enrol" where e.data["site"].map(sites.contains) == true && !enrolled.contains(e.data["site"]!):
                enrolled.insert(e.data["site"]!)
                marks.append(i)
            case "version-committed" where e.data["version"] == number && e.data["id"] == version.id:
                marks.append(i)
                if i > 0 { marks.append(i - 1) }  // the entry the manifest's auditHead names
            case "evaluations-recorded", "validation-recorded":
                if e.data["version"] == number { marks.append(i) }
            case "signature-recorded":
                if e.data["id"].map(recordIDs.contains) == true { marks.append(i) }
            default: break
            }
        }
        guard var first = marks.min(), var last = marks.max() else {
            throw RegistryError(path: "audit.log", problem: "no entry records version \(version.number)'s commit (id \(version.id.prefix(12)))")
        }
        while last < entries.count - 1, entries[last].sig == nil { last += 1 }
        guard entries[last].sig != nil else { throw RegistryError(path: "audit.log", problem: "the entries after seq \(entries[last].seq) are not signed yet") }
        first = max(0, first)
        var bytes: [UInt8] = []
        for e in entries[first...last] { bytes += try Canonical.encoder.encode(e).bytes + [0x0a] }
        return (bytes, AuditSegment(firstSeq: entries[first].seq, lastSeq: entries[last].seq, anchor: entries[first].prev, head: entries[last].hash))
    }
}
