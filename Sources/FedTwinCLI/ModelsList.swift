import ArgumentParser
import FedTwinRegistry

extension ModelsCommand {
    /// `fedtwin models list`: one row per committed version.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "One row per version: round, UTC time, sites, samples, held-out loss, lifecycle state, id prefix.",
            discussion: """
                Held-out loss is the sample-weighted mean of the sites' evaluations of that version \
                (metric "loss", or the first metric reported when there is no "loss"); "—" before \
                any site has evaluated it. The state (candidate, validated, approved, released, superseded, \
                retired) is derived from the validation record and the signature records that verify.
                """
        )

        @OptionGroup var options: StoreOptions

        @Flag(help: "Machine-readable JSON (sorted keys).")
        var json = false

        func run() throws {
            let registry = try options.open()
            let rows = try options.withStoreErrors { try rowsOf(registry) }
            if json {
                try JSONValue.object(["store": .string(options.store), "versions": .array(rows.map(\.json))]).write()
                return
            }
            var table = TextTable(["version", "round", "time (UTC)", "sites", "samples", "held-out loss", "state", "id"], numeric: [0, 1, 3, 4, 5])
            for row in rows {
                let loss = row.heldOut.map { $0.metric == "loss" ? VersionText.number($0.value) : "\(VersionText.number($0.value)) (\($0.metric))" } ?? "—"
                table.add([String(row.version.number), String(row.version.manifest.round), VersionText.time(row.version.manifest.createdAt),
                           String(row.version.manifest.contributions.count), String(row.version.manifest.totalSamples), loss,
                           row.state.description, String(row.version.id.prefix(12))])
            }
            print(table.render())
        }

        struct Row {
            var version: StoredVersion
            var heldOut: (metric: String, value: Double)?
            var state: LifecycleState

            var json: JSONValue {
                let m = version.manifest
                return .object([
                    "version": .int(m.version), "round": .int(m.round), "time": .string(m.createdAt),
                    "sites": .int(m.contributions.count), "samples": .int(m.totalSamples),
                    "heldOutLoss": .optional(heldOut?.value), "heldOutMetric": .optional(heldOut?.metric),
                    "id": .string(version.id), "strategy": .string(m.strategy.name), "state": .string(state.description),
                ])
            }
        }

        func rowsOf(_ registry: Registry) throws -> [Row] {
            let states = try registry.lifecycleStates()
            return try registry.versionNumbers().map { number in
                Row(version: try registry.version(number), heldOut: VersionText.heldOut(try registry.evaluations(version: number)),
                    state: states[number] ?? .candidate)
            }
        }
    }
}
