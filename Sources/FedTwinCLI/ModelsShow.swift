import ArgumentParser
import FedTwinRegistry

extension ModelsCommand {
    /// `fedtwin models show V`: one version's manifest, readable.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a version: parent, component, strategy, contributions, metrics, cross-site evaluation.",
            discussion: "V is a version number, 'latest', or at least 8 hex digits of a version id. Nothing is verified here; use `models verify V`."
        )

        @Argument(help: "Version number, 'latest' or id prefix.")
        var version: String

        @OptionGroup var options: StoreOptions

        @Flag(help: "Machine-readable JSON: the manifest as stored, its id and the evaluation record (sorted keys).")
        var json = false

        func run() throws {
            let registry = try options.open()
            let (v, record) = try options.withStoreErrors {
                let v = try VersionText.resolve(version, in: registry)
                return (v, try registry.evaluations(version: v.number))
            }
            let lifecycle = try options.withStoreErrors {
                Lifecycle(state: try registry.lifecycleStates()[v.number] ?? .candidate, validation: try registry.validation(version: v.number),
                          signatures: try registry.signatureRecords().filter { $0.subject == .version && $0.number == v.number })
            }
            if json {
                try JSONValue.object([
                    "version": .int(v.number), "id": .string(v.id), "manifest": .encodable(v.manifest),
                    "evaluations": record.map { .encodable($0) } ?? .null,
                    "heldOut": .numbers(VersionText.heldOutMeans(record)),
                    "state": .string(lifecycle.state.description),
                    "validation": lifecycle.validation.map { .encodable($0) } ?? .null,
                    "signatures": .array(lifecycle.signatures.map { .encodable($0) }),
                ]).write()
                return
            }
            print(render(v, record))
            print("")
            print(renderLifecycle(lifecycle))
        }

        func render(_ v: StoredVersion, _ record: EvaluationRecord?) -> String {
            let m = v.manifest
            var out: [String] = []
            var head = TextTable(["", ""])
            head.header = ["version", "\(m.version)"]
            head.add(["id", v.id])
            head.add(["parent", m.parent.map { "version \($0) (\(m.parentID?.prefix(12) ?? "?"))" } ?? "none (initial parameters)"])
            head.add(["round", "\(m.round)"])
            head.add(["time", VersionText.time(m.createdAt) + " (\(m.createdAt))"])
            head.add(["component", "\(m.component.id), aggregation \(m.component.aggregation.rawValue), \(m.component.schema.parameterCount) parameters"])
            head.add(["schema", VersionText.schema(m.component.schema)])
            if let hash = m.component.specHash { head.add(["component spec", "sha256 \(hash) (fedtwin models export \(m.version) --format spec)"]) }
            head.add(["strategy", "\(m.strategy.name)  \(VersionText.settings(m.strategy))"])
            head.add(["parameters", "object \(m.parameters)"])
            head.add(["optimiser", m.optimizerState.map { "object \($0)" } ?? "none"])
            head.add(["samples", "\(m.totalSamples) from \(m.contributions.count) site\(m.contributions.count == 1 ? "" : "s")"])
            head.add(["software", m.software])
            head.add(["coordinator", m.coordinator.short])
            head.add(["audit head", String(m.auditHead.prefix(16))])
            head.add(["frame limits", m.limits.map { l in
                "header \(l.maxHeaderLength) B, body \(l.maxBodyLength) B, payload \(l.maxRawLength) B, \(l.maxTensors) tensors (used by --replay)"
            } ?? "wire defaults"])
            out.append(head.render())

            out.append("")
            out.append("contributions (\(m.contributions.count), in aggregation order)")
            if m.contributions.isEmpty {
                out.append("  none")
            } else {
                var table = TextTable(["site", "key", "samples", "encoding", "bytes", "update", "metrics"], numeric: [2, 4])
                for c in m.contributions {
                    table.add([c.site, c.fingerprint.short, "\(c.samples)", c.encoding, "\(c.bytes)", String(c.update.prefix(12)), VersionText.metrics(c.metrics)])
                }
                out.append(table.render(indent: "  "))
            }

            out.append("")
            out.append("training metrics (sample-weighted over contributions)")
            if m.metrics.isEmpty {
                out.append("  none")
            } else {
                var metrics = TextTable(["metric", "value"], numeric: [1])
                for name in m.metrics.keys.sorted() { metrics.add([name, VersionText.number(m.metrics[name]!)]) }
                out.append(metrics.render(indent: "  "))
            }

            out.append("")
            guard let record, !record.evaluations.isEmpty else {
                out.append("evaluations: none recorded for this version")
                return out.joined(separator: "\n")
            }
            out.append("evaluations (held-out, each site on its own data; recorded \(VersionText.time(record.createdAt)))")
            let names = Set(record.evaluations.flatMap(\.metrics.keys)).sorted()
            var table = TextTable(["site", "key", "samples"] + names, numeric: Set(2..<(3 + names.count)))
            for e in record.evaluations {
                table.add([e.site, e.fingerprint.short, "\(e.samples)"] + names.map { e.metrics[$0].map(VersionText.number) ?? "—" })
            }
            let total = record.evaluations.reduce(0) { $0 + $1.samples }
            table.add(["weighted mean", "", "\(total)"] + names.map { record.weightedMean($0).map(VersionText.number) ?? "—" })
            out.append(table.render(indent: "  "))
            return out.joined(separator: "\n")
        }

        struct Lifecycle {
            var state: LifecycleState
            var validation: ValidationRecord?
            var signatures: [SignatureRecord]
        }

        /// State, validation under the plan and every signature (name, UTC time, meaning).
        /// Signatures are listed as stored; `models verify` says whether each one holds.
        func renderLifecycle(_ l: Lifecycle) -> String {
            var out = ["state: \(l.state)"]
            if let validation = l.validation {
                out.append("validation: " + ValidationText.summary(validation))
                out.append(ValidationText.table(validation).render(indent: "  "))
            } else {
                out.append("validation: none (no plan when the evaluations were recorded; `fedtwin plan evaluate`)")
            }
            out.append(l.signatures.isEmpty ? "signatures: none" : "signatures (\(l.signatures.count))")
            for r in l.signatures { out.append("  #\(r.seq) " + SignatureText.line(r)) }
            return out.joined(separator: "\n")
        }
    }
}
