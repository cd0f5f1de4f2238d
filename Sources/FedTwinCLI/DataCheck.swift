import ArgumentParser
import Foundation
import TwinKit

/// `fedtwin data check`: what a data config reads, before a site trains on it.
struct DataCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Read a site's data through its data config and print batches, rows, assays, ranges and warnings.",
        discussion: "Example: fedtwin data check --data sites/site-a/data.json"
    )

    @Option(help: "The site's data config (data.json).") var data: String

    func run() throws {
        let url = URL(fileURLWithPath: data)
        let dataset: SiteDataset
        do {
            dataset = try SiteDataset.load(configURL: url)
        } catch {
            throw CLIError("\(error)")
        }
        let records = dataset.all
        print("\(data): \(records.count) batches (\(dataset.training.count) training, \(dataset.heldOut.count) held out), \(records.reduce(0) { $0 + $1.rowCount }) rows")
        var series: [(String, (BatchRecord) -> [Double?])] = []
        let builtIn = ["biomass", "substrate", "product", "volume", "temperature", "pH", "dissolved_oxygen"]
        for name in builtIn { series.append((name, { $0.series(named: name) ?? [] })) }
        for name in Set(records.flatMap { $0.variables.keys }).sorted() { series.append((name, { $0.variables[name] ?? [] })) }
        let feedCount = records.map(\.feeds.count).max() ?? 0
        for f in 0..<feedCount { series.append(("feed[\(f)] flow L/h", { f < $0.feeds.count ? $0.feeds[f].rate : [] })) }
        let withdrawalCount = records.map(\.withdrawals.count).max() ?? 0
        for w in 0..<withdrawalCount { series.append(("withdrawal[\(w)] L/h", { w < $0.withdrawals.count ? $0.withdrawals[w] : [] })) }
        if records.contains(where: { $0.evaporation != nil }) { series.append(("evaporation L/h", { $0.evaporation ?? [] })) }
        var table = TextTable(["variable", "values", "batches", "min", "max"], numeric: [1, 2, 3, 4])
        for (name, values) in series {
            let perBatch = records.map { values($0).compactMap { $0 } }
            let all = perBatch.flatMap { $0 }
            guard let lo = all.min(), let hi = all.max() else { continue }
            table.add([name, String(all.count), String(perBatch.filter { !$0.isEmpty }.count), format(lo), format(hi)])
        }
        print(table.render())
        if records.contains(where: \.volumeIsRecordedInput) { print("volume is a recorded input: evaluation follows the logged volume") }
        for warning in dataset.warnings { print("warning: \(warning)") }
        if dataset.warnings.isEmpty { print("no warnings") }
    }

    private func format(_ v: Double) -> String { String(format: "%.4g", v) }
}
