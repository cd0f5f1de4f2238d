import FedTwinWire
import Foundation

/// The human-readable parts of a release package: the model card (what the model is for,
/// how it was built, from which sites' data — by hash and count, never data —, how it did
/// against its acceptance criteria, and what is not known about it) and the inspector's
/// README. Built only from records in the package, so every statement can be checked there.
struct ModelCard {
    var version: StoredVersion
    var evaluation: EvaluationRecord?
    var validation: ValidationRecord?
    var plan: ValidationPlan?
    var records: [SignatureRecord]
    var sites: [EnrolledSite]
    var info: PackageInfo
    var software: String

    /// A Markdown table cell: pipes and line breaks would break the table.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|")
            .replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    static func number(_ x: Double?) -> String { x.map { String(format: "%.6g", $0) } ?? "—" }

    static func table(_ header: [String], _ rows: [[String]]) -> String {
        var text = "| " + header.joined(separator: " | ") + " |\n|" + String(repeating: "---|", count: header.count) + "\n"
        for row in rows { text += "| " + row.map(cell).joined(separator: " | ") + " |\n" }
        return text
    }

    func markdown() -> String {
        let m = version.manifest
        var text = "# Model card: \(Self.cell(m.component.id)) version \(m.version)\n\n"
        text += "- Version id (SHA-256 of the signed manifest): `\(version.id)`\n"
        text += "- Parameters id (SHA-256 of the canonical safetensors, without metadata): `\(m.parameters)`\n"
        text += "- State at export: **\(info.stateAtExport)** (exported \(info.exportedAt) with \(Self.cell(software)))\n"
        text += "- Coordinator key fingerprint: `\(m.coordinator.hex)`\n\n"

        text += "## Signatures\n\n"
        text += records.isEmpty ? "No electronic signature on this version.\n\n" : Self.table(
            ["seq", "meaning", "printed name", "person", "role", "time (UTC)", "subject", "channel", "reason"],
            records.map { ["\($0.seq)", $0.meaning.rawValue, $0.printedName, $0.person, $0.role, $0.time, "\($0.subject.rawValue) \($0.number)",
                           $0.channel ?? "", $0.reason ?? ""] }) + "\n"

        text += "## Intended use\n\n"
        if let plan {
            text += "\(plan.intendedUse)\n\n(validation plan \(plan.planVersion), created \(plan.createdAt)"
            text += validation.map { $0.planPredatesVersion ? "; stored before this version was committed)" : "; stored AFTER this version was committed: not criteria fixed in advance)" } ?? ")"
            text += "\n\n"
        } else {
            text += "No validation plan applies to this version: its intended use is not recorded.\n\n"
        }

        text += "## Structure\n\n"
        text += "Component `\(Self.cell(m.component.id))`, \(m.component.aggregation.rawValue) aggregation, \(m.component.schema.parameterCount) parameters "
        text += m.component.specHash.map { "declared by the spec file `component-spec.json` (SHA-256 `\($0)`); the schema is in `component.json`:\n\n" }
            ?? "(built in; the schema is in `component.json`):\n\n"
        text += Self.table(["tensor", "dtype", "shape"], m.component.schema.tensors.map { [$0.name, $0.dtype.rawValue, "\($0.shape)"] }) + "\n"

        text += "## Training configuration\n\n"
        text += "- Round \(m.round), aggregated from version \(m.parent.map(String.init) ?? "— (initial parameters)")\(m.parentID.map { " (`\($0)`)" } ?? "")\n"
        text += "- Strategy `\(Self.cell(m.strategy.name))`: \(m.strategy.settings.isEmpty ? "no settings" : m.strategy.settings.keys.sorted().map { "\($0)=\(Self.number(m.strategy.settings[$0]))" }.joined(separator: ", "))\n"
        text += "- Software: \(Self.cell(m.software)); committed \(m.createdAt)\n"
        text += "- Total samples: \(m.totalSamples); training metrics (sample-weighted): \(m.metrics.isEmpty ? "—" : m.metrics.keys.sorted().map { "\($0)=\(Self.number(m.metrics[$0]))" }.joined(separator: ", "))\n\n"

        text += "## Data provenance per site\n\n"
        text += "Only counts and hashes: no batch data reached the coordinator. Each update is the site's signed frame, kept in the store by its SHA-256.\n\n"
        text += m.contributions.isEmpty ? "No site contributed to this version (initial parameters).\n\n" : Self.table(
            ["site", "key fingerprint", "samples", "update frame (SHA-256)", "encoding", "bytes", "training metrics"],
            m.contributions.map { c in [c.site, c.fingerprint.hex, "\(c.samples)", c.update, c.encoding, "\(c.bytes)",
                                       c.metrics.keys.sorted().map { "\($0)=\(Self.number(c.metrics[$0]))" }.joined(separator: " ")] }) + "\n"
        text += "The hashes of each site's training/held-out split are not held by the coordinator: each site's sent log records them with the training and held-out batch counts (event `data-loaded`).\n\n"

        text += "## Performance per site against the acceptance criteria\n\n"
        if let validation {
            text += "Outcome **\(validation.outcome.rawValue)** under plan \(validation.planVersion): \(validation.evaluatingSites) evaluating sites, at least \(validation.minimumSites) required.\n\n"
            text += Self.table(["criterion", "site", "value", "threshold", "result"], validation.results.map {
                [$0.criterion, $0.site, Self.number($0.value), Self.number($0.threshold), $0.passed.map { $0 ? "pass" : "FAIL" } ?? "missing"]
            }) + "\n"
        } else {
            text += "No validation record: the version was not judged against a plan.\n\n"
        }
        if let evaluation {
            text += "Held-out evaluations (each site's own held-out batches, signed evaluation frames kept in the store):\n\n"
            text += Self.table(["site", "samples", "metrics", "evaluation frame (SHA-256)"], evaluation.evaluations.map { e in
                [e.site, "\(e.samples)", e.metrics.keys.sorted().map { "\($0)=\(Self.number(e.metrics[$0]))" }.joined(separator: " "), e.frame]
            }) + "\n"
        } else {
            text += "No site evaluated this version.\n\n"
        }

        text += "## Known limits\n\n"
        text += "- The model is static: these parameters, fixed by their hash; it does not learn in use.\n"
        text += "- Evaluated by \(evaluation?.evaluations.count ?? 0) site(s) on their own held-out data; its behaviour on other plants is not shown here.\n"
        text += "- Operating ranges seen in training: the store holds none for this component (sites do not send ranges), so none are stated; take them from each site's batch records.\n"
        if let validation, validation.outcome != .passed { text += "- The validation outcome is \(validation.outcome.rawValue): the version may not be approved on it.\n" }
        return text
    }

    func readme() -> String {
        let m = version.manifest
        return """
            # Release package: \(m.component.id) version \(m.version)

            For an inspector. State at export: \(info.stateAtExport). The model card is `MODEL-CARD.md`.

            ## Verify it

            With the FedTwin tools, offline, without the store (pin the coordinator key fingerprint you
            obtained independently, e.g. from the consortium's signed enrolment record):

                fedtwin package verify . --coordinator-fingerprint \(m.coordinator.hex)

            It checks: the coordinator's signature on `FILES.sha256` and every file's SHA-256 (a changed,
            added or removed file is named); the manifest, evaluation, plan and validation-record
            signatures; that the validation record follows from the plan and the evaluations; every
            e-signature (person's key, role, what it signed) and the lifecycle rules; the audit-log
            segment's hash chain and signatures; that the parameters are the manifest's.

            Without the tools, `sha256sum -c FILES.sha256` checks the file hashes (not the signature).

            ## Contents

            - `parameters.safetensors`: the parameters, with metadata naming the component and version
              (`safetensors.numpy.load_file`); without the metadata they hash to the parameters id.
            - `component.json`: the component (id, parameter schema, aggregation, spec hash); for a
              component declared by a spec file, `component-spec.json` is that file, byte for byte.
            - `package.json`: version, state at export, the audit segment's first/last entry and head hash.
            - `store/`: the registry's own files for this version, unchanged: `store.json` (coordinator
              key), `versions/` (manifest, evaluations and their signatures), `plans/`, `validation/`,
              `signatures/` (every e-signature on the version and its plan), `persons/` (the signers'
              public keys), `sites/` (the contributing sites' keys), `audit.log` (entries
              \(info.auditSegment.firstSeq)–\(info.auditSegment.lastSeq) of the audit log, head `\(info.auditSegment.head)`).
            - `FILES.sha256` and `FILES.sha256.sig`: every other file's hash, signed by the coordinator.

            Not included: the sites' signed update and evaluation frames (named by hash in the manifest
            and the evaluation record; they stay in the store, where `fedtwin models verify --replay`
            recomputes the aggregation from them), and any batch data.

            """
    }
}
