import ArgumentParser
import FedTwinRegistry
import FedTwinSite
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
            Example: fedtwin monitor --store store --version 1 data/site-a/batches.csv --data-config data/site-a/data.json
            """
    )

    @OptionGroup var options: StoreOptions

    @Option(help: "Version number, 'latest', or at least 8 hex digits of a version id.")
    var version: String = "latest"

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
    }

    func run() throws {
        let registry = try options.open()
        let (stored, state) = try options.withStoreErrors {
            let v = try VersionText.resolve(version, in: registry)
            return (v, try registry.state(of: v))
        }
        let component = MSPCComponent()
        guard stored.manifest.component.id == component.id else {
            throw CLIError("\(options.store): version \(stored.number) is a \(stored.manifest.component.id) model, not \(component.id); create the store with `fedtwin store init --component \(component.id)`")
        }
        let parameters: ParameterSet
        do {
            parameters = try ParameterSet(wire: state.parameters, schema: component.schema)
        } catch {
            throw CLIError("\(options.store): version \(stored.number): \(error)")
        }
        let monitor: PCAMonitor
        do {
            monitor = try component.monitor(parameters)
        } catch let error as MSPCError {
            throw CLIError("\(options.store): version \(stored.number) cannot monitor: \(error)\(stored.number == 0 ? " (version 0 holds no statistics; run a federation round first)" : "")")
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
                "store": .string(options.store), "version": .int(stored.number), "versionID": .string(stored.id),
                "file": .string(batches), "report": .encodable(report), "summary": .string(report.summary),
            ]).write()
        } else {
            print(render(report, version: stored))
        }
        if report.count(.notScored) > 0 {
            throw CLIError("\(batches): \(report.count(.notScored)) batch(es) could not be scored (see above)")
        }
    }

    func render(_ report: MonitorReport, version: StoredVersion) -> String {
        func number(_ x: Double?) -> String {
            guard let x else { return "—" }
            return x >= 1000 ? String(format: "%.0f", x) : String(format: "%.2f", x)
        }
        var out: [String] = []
        out.append("monitor: version \(version.number) (\(version.id.prefix(12))) of \(options.store): \(report.referenceBatches) reference batches, \(report.components) principal component\(report.components == 1 ? "" : "s"), \(report.columns) columns")
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
