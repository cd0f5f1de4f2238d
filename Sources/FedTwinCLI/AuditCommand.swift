import ArgumentParser
import FedTwinRegistry

/// `fedtwin audit`: read and check the store's hash-chained audit log.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show and verify the registry's append-only, hash-chained audit log.",
        subcommands: [Show.self, Verify.self, Quarantine.self]
    )

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print audit entries: sequence, UTC time, event, signature and data.",
            discussion: """
                Only the last entry of each append is signed; an earlier entry of a batch shows "by #N", the signed \
                entry whose hash chains it, and "none" if no signed entry follows it. Nothing is verified here; use \
                `fedtwin audit verify`.
                """
        )

        @OptionGroup var options: StoreOptions

        @Option(help: "Only the last N entries.")
        var last: Int?

        @Flag(help: "Machine-readable JSON: the entries as stored, hashes and signatures included (sorted keys).")
        var json = false

        func validate() throws {
            if let last, last < 0 { throw ValidationError("--last must be ≥ 0, got \(last)") }
        }

        func run() throws {
            let registry = try options.open()
            var entries = try options.withStoreErrors { try registry.auditEntries() }
            let total = entries.count
            let signatures = Self.signatureColumn(entries)
            if let last { entries = Array(entries.suffix(last)) }
            if json {
                try JSONValue.object(["store": .string(options.store), "total": .int(total), "entries": .encodable(entries)]).write()
                return
            }
            var table = TextTable(["seq", "time (UTC)", "event", "sig", "data"], numeric: [0])
            for (e, signature) in zip(entries, signatures.suffix(entries.count)) {
                let data = e.data.keys.sorted().map { key -> String in
                    let value = e.data[key]!
                    // Hashes and fingerprints: the first 16 digits identify them for a reader.
                    let short = value.count == 64 && value.allSatisfy(\.isHexDigit) ? String(value.prefix(16)) + "…" : value
                    return "\(key)=\(short)"
                }.joined(separator: " ")
                table.add([String(e.seq), VersionText.time(e.time), e.event, signature, data])
            }
            print(table.render())
            if entries.count < total { print("(last \(entries.count) of \(total) entries)") }
        }

        /// Per entry, where its signature is: "signed", "by #N" for an unsigned entry
        /// covered by the next signed entry N, "none" for an unsigned tail. Computed over
        /// the whole log so `--last` still names the covering entry.
        static func signatureColumn(_ entries: [AuditEntry]) -> [String] {
            var column: [String] = []
            var covering: Int?
            for e in entries.reversed() {
                if e.sig != nil { covering = e.seq }
                column.append(e.sig != nil ? "signed" : covering.map { "by #\($0)" } ?? "none")
            }
            return column.reversed()
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every audit entry's hash, its link to the previous one, sequence and the coordinator's signatures.",
            discussion: """
                Only the last entry of each append is signed; its signature covers the entries before it through the \
                hash chain. Every signature present must verify and the log's last entry must be signed. Exits 1 if \
                any check fails; each failure names the entry and its line.
                """
        )

        @OptionGroup var options: StoreOptions

        @Option(name: .customLong("anchor"), help: ArgumentHelp(
            "An audit entry hash recorded earlier outside the store (≥ 16 hex digits; repeatable): it must still be in the chain.",
            discussion: "A hash chain alone cannot show that its newest entries were removed. Record the head hash this command prints (e.g. in the QA release record) and pass it later."))
        var anchors: [String] = []

        @Flag(help: "Machine-readable JSON (sorted keys).")
        var json = false

        func run() throws {
            let registry = try options.open()
            let report = registry.verifyAudit(anchors: anchors)
            // Where the chain stops verifying: the tail the coordinator will not append to.
            let damage = try? registry.auditDamage()
            let advice = damage.map {
                "damaged tail: \($0.range) of audit.log (line \($0.line): \($0.reason)); the coordinator will not append to this log. " +
                    "`fedtwin audit quarantine --store \(options.store) --coordinator-key KEY` moves them to \(options.store)/quarantine/ (kept) and records that in the chain"
            }
            if json {
                var fields: [String: JSONValue] = [
                    "store": .string(options.store), "passed": .bool(report.passed),
                    "checks": .array(report.checks.map { .object(["subject": .string($0.subject), "ok": .bool($0.ok), "detail": .string($0.detail)]) }),
                ]
                if let damage {
                    fields["damagedTail"] = .object(["line": .int(damage.line), "lines": .int(damage.lines), "reason": .string(damage.reason)])
                }
                try JSONValue.object(fields).write()
            } else {
                for check in report.checks { print("\(check.ok ? "✓" : "✗") \(check.subject): \(check.detail)") }
                if let advice { print(advice) }
                print(report.passed ? "OK: audit log intact" : "FAILED: \(report.failures.count) problem\(report.failures.count == 1 ? "" : "s") in the audit log")
            }
            if !report.passed { throw ExitCode(1) }
        }
    }

    struct Quarantine: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Move a damaged audit tail aside (kept, not deleted) so that the chain can be extended again.",
            discussion: """
                Finds the first line of audit.log that does not verify (not an entry, wrong sequence or link, hash or \
                signature mismatch), moves it and every later line byte for byte into \
                STORE/quarantine/audit-TIME-lines-N-M.log, cuts audit.log back to the entries that verify, and appends a \
                signed `audit-tail-quarantined` entry recording the file, the lines, their size and SHA-256. The \
                coordinator refuses to append to a log that does not verify and waits; it resumes once this has run. \
                Versions whose audit anchor was in the moved lines then fail `models verify` (the quarantined file \
                still holds them). Example: fedtwin audit quarantine --store store --coordinator-key coordinator.key
                """
        )

        @OptionGroup var options: StoreOptions

        @Option(help: "The coordinator's private key PEM: it signs the entry recording the move.")
        var coordinatorKey: String

        func run() throws {
            let registry = try options.open()
            let signer = try CoordinatorKey.load(coordinatorKey, for: registry, options: options)
            let moved = try options.withStoreErrors { try registry.quarantineAuditTail(signer: signer) }
            let d = moved.damage
            print("line \(d.line): \(d.reason)")
            print("moved \(d.range) (\(moved.bytes) bytes, sha256 \(moved.sha256.prefix(16))…) to \(options.store)/\(moved.file)")
            print("recorded as audit entry \(moved.entry.seq) (audit-tail-quarantined); `fedtwin audit verify --store \(options.store)` checks the chain")
        }
    }
}
