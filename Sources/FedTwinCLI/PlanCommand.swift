import ArgumentParser
import FedTwinRegistry
import FedTwinWire
import Foundation

/// `fedtwin plan`: the validation plan — acceptance criteria fixed before training
/// (docs/validation.md).
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Set, show and evaluate the validation plan (acceptance criteria) of a store.",
        subcommands: [Set.self, Show.self, Evaluate.self]
    )

    /// `plan set`: stores plan.json as the next plan version.
    struct Set: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store a validation plan as the next plan version (signed by the coordinator and, as authored, by a person; audited).",
            discussion: """
                plan.json: {"intendedUse": "...", "minimumSites": 2, \
                "thresholds": [{"metric": "loss", "atMost": 0.5}], \
                "baselineBounds": [{"metric": "loss", "maxIncrease": 0.1}]}. \
                A change is a new plan version; earlier versions are never rewritten.
                """
        )

        @OptionGroup var options: StoreOptions

        @Option(help: "The plan JSON file.")
        var file: String

        @Option(help: "The coordinator's private key PEM: it signs the plan and the audit entry.")
        var coordinatorKey: String

        @OptionGroup var author: SignerOptions

        func run() throws {
            let registry = try options.open()
            let signer = try CoordinatorKey.load(coordinatorKey, for: registry, options: options)
            guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("\(file): cannot read the plan file") }
            let plan: ValidationPlan
            do {
                plan = try StrictJSON.decode(PlanFile.self, from: data, decoder: JSONDecoder()).plan
            } catch {
                throw CLIError("\(file): not a validation plan: \(error)")
            }
            if let problem = plan.problem { throw CLIError("\(file): \(problem)") }
            let credential = try author.credential()
            let stored = try options.withSigningErrors { try registry.setPlan(plan, author: credential, policy: author.policy, signer: signer) }
            print("plan version \(stored.planVersion) stored: \(stored.thresholds.count) thresholds, \(stored.baselineBounds.count) baseline bounds, at least \(stored.minimumSites) sites")
        }
    }

    /// `plan show`: the plan in force (or a given version).
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a plan version (default: the one in force).")

        @OptionGroup var options: StoreOptions

        @Option(help: "Plan version (default: the newest).")
        var planVersion: Int?

        func run() throws {
            let registry = try options.open()
            let plan = try options.withStoreErrors { () -> ValidationPlan? in
                if let planVersion { return try registry.plan(planVersion) }
                return try registry.currentPlan()
            }
            guard let plan else { throw CLIError("\(options.store): no validation plan set (fedtwin plan set)") }
            print("plan version \(plan.planVersion) (set \(VersionText.time(plan.createdAt)))")
            print("intended use: \(plan.intendedUse)")
            print("minimum evaluating sites: \(plan.minimumSites)")
            for t in plan.thresholds { print("  every site: \(t.metric) \(t.atMost != nil ? "≤" : "≥") \(VersionText.number(t.atMost ?? t.atLeast ?? 0))") }
            for b in plan.baselineBounds { print("  every site: \(b.metric) − its version-0 value ≤ \(VersionText.number(b.maxIncrease))") }
        }
    }

    /// `plan evaluate`: (re)computes a version's validation record offline.
    struct Evaluate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Evaluate the current plan on a version's recorded evaluations and store the signed validation record.",
            discussion: "Exits 1 unless the outcome is passed."
        )

        @OptionGroup var options: StoreOptions

        @Option(help: "Version (number, 'latest' or id prefix).")
        var version: String

        @Option(help: "The coordinator's private key PEM: it signs the validation record.")
        var coordinatorKey: String

        func run() throws {
            let registry = try options.open()
            let signer = try CoordinatorKey.load(coordinatorKey, for: registry, options: options)
            let number = try options.withStoreErrors { try VersionText.resolve(version, in: registry) }.number
            let record = try options.withStoreErrors { try registry.evaluatePlan(version: number, signer: signer) }
            ValidationText.print(record)
            if record.outcome != .passed { throw ExitCode(1) }
        }
    }
}

/// The plan file as an operator writes it (no version or time: the registry sets them).
struct PlanFile: Decodable {
    var intendedUse: String
    var minimumSites: Int
    var thresholds: [MetricThreshold]?
    var baselineBounds: [BaselineBound]?

    var plan: ValidationPlan {
        ValidationPlan(intendedUse: intendedUse, minimumSites: minimumSites, thresholds: thresholds ?? [], baselineBounds: baselineBounds ?? [])
    }
}

/// How a validation record is printed.
enum ValidationText {
    static func print(_ record: ValidationRecord) {
        Swift.print("version \(record.version): " + summary(record))
        Swift.print(table(record).render())
    }

    static func summary(_ record: ValidationRecord) -> String {
        "\(record.outcome.rawValue) under plan version \(record.planVersion) (\(record.evaluatingSites) of at least \(record.minimumSites) sites)"
            + (record.planPredatesVersion ? "" : "; NOTE: the plan was set after this version was committed")
    }

    /// One row per criterion and site: value, threshold, pass / FAIL / missing.
    static func table(_ record: ValidationRecord) -> TextTable {
        var table = TextTable(["criterion", "site", "value", "threshold", "result"], numeric: [2, 3])
        for r in record.results {
            table.add([r.criterion, r.site, r.value.map(VersionText.number) ?? "—", VersionText.number(r.threshold),
                       r.passed.map { $0 ? "pass" : "FAIL" } ?? "missing"])
        }
        return table
    }
}
