import ArgumentParser
import FedTwinRegistry

extension ModelsCommand {
    /// `fedtwin models verify`: hashes, signatures, the chain and — with `--replay` — the
    /// aggregation itself, recomputed from the stored updates.
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify versions: object hashes, signatures, the parent chain, the audit log; --replay recomputes aggregations.",
            discussion: """
                Without V (or with --all) every version is checked. The audit log is always checked. \
                --replay re-aggregates each version from its parent and the stored signed updates and \
                compares the result with the recorded parameters bit for bit. Exits 1 if any check fails.
                """
        )

        @Argument(help: "Only this version (number, 'latest' or id prefix).")
        var version: String?

        @Flag(help: "Every version (the default without V).")
        var all = false

        @Flag(help: "Recompute each aggregation from the stored updates and compare hashes bit for bit.")
        var replay = false

        @OptionGroup var options: StoreOptions

        @Flag(help: "Machine-readable JSON (sorted keys).")
        var json = false

        func validate() throws {
            if all && version != nil { throw ValidationError("give a version or --all, not both") }
        }

        func run() throws {
            let registry = try options.open()
            let requested = try version.map { text in [try options.withStoreErrors { try VersionText.resolve(text, in: registry) }.number] }
            let report = registry.verify(versions: requested, replay: replay)
            let failed = report.failures.count
            let versions = Set(report.checks.compactMap { check -> Int? in
                let words = check.subject.split(separator: " ")
                return words.first == "version" && words.count > 1 ? Int(words[1]) : nil
            })
            if json {
                try JSONValue.object([
                    "store": .string(options.store), "passed": .bool(report.passed), "replay": .bool(replay),
                    "versions": .array(versions.sorted().map(JSONValue.int)),
                    "checks": .array(report.checks.map { .object(["subject": .string($0.subject), "ok": .bool($0.ok), "detail": .string($0.detail)]) }),
                    "summary": .object(["checks": .int(report.checks.count), "failed": .int(failed)]),
                ]).write()
            } else {
                for check in report.checks { print("\(check.ok ? "✓" : "✗") \(check.subject): \(check.detail)") }
                let scope = "\(versions.count) version\(versions.count == 1 ? "" : "s")\(replay ? " with replay" : "") and the audit log"
                print(report.passed ? "OK: \(report.checks.count) checks passed (\(scope))"
                                    : "FAILED: \(failed) of \(report.checks.count) checks failed (\(scope))")
            }
            if !report.passed { throw ExitCode(1) }
        }
    }
}
