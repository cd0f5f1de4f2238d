import ArgumentParser
import FedTwinRegistry
import Foundation

/// `fedtwin report --store S [--version V] --out report.html`: the page a reviewer reads —
/// timeline with states and signatures, held-out metrics, the acceptance criteria of one
/// version, contributions and refusals, and the verification result.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the reviewer's report: one self-contained HTML page (inline SVG, no script, no network).",
        discussion: "Without --version the criteria shown are those of the version released in production, else the latest."
    )

    @OptionGroup var options: StoreOptions

    @Option(help: "The version whose acceptance criteria are shown (number, 'latest' or id prefix).")
    var version: String?

    @Flag(help: "Recompute every aggregation for the verification result (slower).")
    var replay = false

    @Option(help: "Output HTML file (replaced atomically if it exists).")
    var out: String

    func run() throws {
        let registry = try options.open()
        let report = try options.withStoreErrors { () -> ReviewReport in
            let versions = try registry.versionNumbers().map { try registry.version($0) }
            let states = try registry.lifecycleStates()
            var evaluations: [Int: EvaluationRecord] = [:]
            for v in versions { evaluations[v.number] = try registry.evaluations(version: v.number) }
            let chosen = try version.map { try VersionText.resolve($0, in: registry).number }
                ?? states.first(where: { $0.value == .released(channel: "production") })?.key ?? versions.last?.number ?? 0
            let validation = try registry.validation(version: chosen)
            return ReviewReport(store: options.store, info: try registry.info(), versions: versions, states: states, evaluations: evaluations,
                                validation: validation, plan: try validation.map { try registry.plan($0.planVersion) }, chosen: chosen,
                                records: try registry.signatureRecords(), audit: try registry.auditEntries(),
                                verification: registry.verify(replay: replay), generatedAt: Date().formatted(.iso8601))
        }
        let html = report.html()
        try FileSystem.write(Array(html.utf8), to: out)
        print("wrote \(out): \(report.versions.count) versions, criteria of version \(report.chosen), verification \(report.verification.passed ? "OK" : "FAILED")")
    }
}
