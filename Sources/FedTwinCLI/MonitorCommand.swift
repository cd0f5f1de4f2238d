import ArgumentParser
import FedTwinRegistry
import FedTwinSite
import FedTwinWire
import Foundation
import TwinKit

/// `fedtwin monitor`: scores batches against a federated MSPC monitor version.
struct MonitorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Score batches against an MSPC monitor version: in or out of control, and which variables drive it.",
        discussion: """
            The store must hold the mspc-monitor component (`fedtwin store init --component mspc-monitor`, \
            federated with --rounds 1): a version's parameters are the summed sufficient statistics of every \
            site's reference batches. Each batch in BATCH.csv is unfolded on the monitor's grid (X, S, P, V, T, \
            pH, F every 10 h over 0–200 h) and scored: Hotelling T² and SPE against their 95 % and 99 % limits. \
            Out of control = beyond a 99 % limit; warning = beyond a 95 % limit only.
            The version must be released: a release fetched with `fedtwin-site fetch` (--release DIR, verified \
            again before use), or a stored version released in some channel (--store; any other state is \
            refused unless --allow-unreleased). The first line says which version was used, and its state.
            Example: fedtwin monitor --release releases/mspc-monitor/production data/site-a/batches.csv --data-config data/site-a/data.json
            """
    )

    @Option(help: "Model registry directory (created by `fedtwin store init`). Give --store or --release.")
    var store: String?

    @Option(help: "A release fetched with `fedtwin-site fetch` (its RELEASES/COMPONENT/CHANNEL directory), verified again before use.")
    var release: String?

    @Option(help: "With --store: version number, 'latest', or at least 8 hex digits of a version id.")
    var version: String?

    @Flag(help: "With --store: score against a version that is not released (validation work, never routine monitoring).")
    var allowUnreleased = false

    @Argument(help: "Batch CSV file (one row per batch and time).")
    var batches: String

    @Option(help: "Data config (data.json) whose column mapping reads the CSV (default: the simulator's layout). Its csv path is ignored.")
    var dataConfig: String?

    @Option(help: "Number of contributing variables to show per batch.")
    var top: Int = 3

    @Flag(help: "Machine-readable JSON (sorted keys).")
    var json = false

    func validate() throws {
        guard top >= 1 else { throw ValidationError("--top must be at least 1, got \(top)") }
        guard (store == nil) != (release == nil) else { throw ValidationError("give exactly one of --store and --release") }
        if release != nil, version != nil { throw ValidationError("--version is for --store; a fetched release is one version") }
        if release != nil, allowUnreleased { throw ValidationError("--allow-unreleased is for --store; a fetched release is released") }
    }

    /// The version scored: where it came from, and the state it is in.
    struct Used {
        var source: String
        var number: Int
        var id: String
        var state: String
        var parameters: [FedTwinWire.Tensor]
        var componentID: String
    }

    /// A stored version, refused unless released (in any channel) or `--allow-unreleased`.
    func fromStore(_ store: String) throws -> Used {
        let options = try StoreOptions.parse(["--store", store])
        let registry = try options.open()
        return try options.withStoreErrors {
            let v = try VersionText.resolve(version ?? "latest", in: registry)
            let state = try registry.lifecycleStates()[v.number] ?? .candidate
            if case .released = state {} else if !allowUnreleased {
                throw CLIError("\(store): version \(v.number) is \(state), not released: monitor a released version (`fedtwin models list --store \(store)`), one fetched with `fedtwin-site fetch` (--release), or pass --allow-unreleased")
            }
            return Used(source: store, number: v.number, id: v.id, state: state.description,
                        parameters: try registry.state(of: v).parameters, componentID: v.manifest.component.id)
        }
    }

    /// A fetched release, verified again.
    static func fromRelease(_ directory: String) throws -> Used {
        do {
            let (_, r, _) = try InstalledRelease.open(directory)
            return Used(source: directory, number: r.version, id: r.versionID, state: r.state.description, parameters: r.parameters, componentID: r.component.id)
        } catch {
            throw CLIError("\(error)")
        }
    }

    func run() throws {
        let used = try store.map(fromStore) ?? Self.fromRelease(release!)
        let component = MSPCComponent()
        guard used.componentID == component.id else {
            throw CLIError("\(used.source): version \(used.number) is a \(used.componentID) model, not \(component.id); create the store with `fedtwin store init --component \(component.id)`")
        }
        let parameters: ParameterSet
        do {
            parameters = try ParameterSet(wire: used.parameters, schema: component.schema)
        } catch {
            throw CLIError("\(used.source): version \(used.number): \(error)")
        }
        let monitor: PCAMonitor
        do {
            monitor = try component.monitor(parameters)
        } catch let error as MSPCError {
            throw CLIError("\(used.source): version \(used.number) cannot monitor: \(error)\(used.number == 0 ? " (version 0 holds no statistics; run a federation round first)" : "")")
        }

        // The data config describes the layout; the file read is the one given by --batches.
        let batchesPath = URL(fileURLWithPath: batches).path
        var config = ColumnMapping.simulatorDefault.dataConfig(path: batchesPath, heldOutFraction: 0, splitSeed: 0)
        if let dataConfig {
            do {
                config = try SiteDataConfig.load(from: URL(fileURLWithPath: dataConfig)).normalized(file: dataConfig)
            } catch {
                throw CLIError("\(dataConfig): cannot load the data config: \(error)")
            }
            if var files = config.files, files.count == 1 {
                files[0].path = batchesPath
                config.files = files
            }
        }
        let records: [BatchRecord]
        do {
            records = try SiteDataReader(config: config, directory: URL(fileURLWithPath: dataConfig ?? ".").deletingLastPathComponent()).read().records
        } catch let error as BatchCSVError {
            var e = error
            if e.file == batchesPath { e.file = batches }
            throw CLIError(e.description)
        }
        let report = MonitorReport(component: component, monitor: monitor, records: records, top: top)

        if json {
            try JSONValue.object([
                (store != nil ? "store" : "release"): .string(used.source), "version": .int(used.number), "versionID": .string(used.id),
                "state": .string(used.state),
                "file": .string(batches), "report": .encodable(report), "summary": .string(report.summary),
            ]).write()
        } else {
            print(render(report, used: used))
        }
        if report.count(.notScored) > 0 {
            throw CLIError("\(batches): \(report.count(.notScored)) batch(es) could not be scored (see above)")
        }
    }

    func render(_ report: MonitorReport, used: Used) -> String {
        func number(_ x: Double?) -> String {
            guard let x else { return "—" }
            return x >= 1000 ? String(format: "%.0f", x) : String(format: "%.2f", x)
        }
        var out: [String] = []
        out.append("monitor: version \(used.number) (\(used.id.prefix(12))), \(used.state), of \(used.source): \(report.referenceBatches) reference batches, \(report.components) principal component\(report.components == 1 ? "" : "s"), \(report.columns) columns")
        out.append("file: \(batches)")
        out.append("")
        var table = TextTable(["batch", "verdict", "T²", "T² 95%", "T² 99%", "SPE", "SPE 95%", "SPE 99%", "exceeded", "top contributors"],
                              numeric: [2, 3, 4, 5, 6, 7])
        for b in report.batches {
            if let problem = b.problem {
                table.add([b.batch, b.verdict.rawValue, "", "", "", "", "", "", "", problem])
                continue
            }
            let contributors = MonitorReport.contributorsText(b)
            table.add([b.batch, b.verdict == .outOfControl ? "OUT OF CONTROL" : b.verdict.rawValue,
                       number(b.t2), number(b.t2Limit95), number(b.t2Limit99),
                       number(b.spe), number(b.speLimit95), number(b.speLimit99),
                       b.exceeded.isEmpty ? "—" : b.exceeded.joined(separator: ", "),
                       contributors.isEmpty ? "" : "\(b.contributionsOf ?? ""): \(contributors)"])
        }
        out.append(table.render())
        out.append("")
        out.append(report.summary)
        return out.joined(separator: "\n")
    }
}
