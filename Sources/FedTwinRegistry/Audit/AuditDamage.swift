/// Where the audit log stops verifying: the first line that is not an entry, does not
/// follow the one before it (sequence, link), does not match its hash, or carries a
/// signature that does not verify. Everything from there to the end is the damaged tail;
/// no entry can be chained to it.
public struct AuditDamage: Sendable, Equatable {
    /// 1-based line number of the first damaged line.
    public var line: Int
    /// Byte offset of that line in audit.log.
    public var offset: Int
    /// Lines in the damaged tail (the first damaged one included; a torn last line without
    /// its newline, which the next append cuts anyway, is not counted).
    public var lines: Int
    /// What is wrong with the first damaged line.
    public var reason: String

    /// "line 7" or "lines 7–9": the damaged tail, for messages.
    public var range: String { lines == 1 ? "line \(line)" : "lines \(line)–\(line + lines - 1)" }

    /// The error an append to the damaged log fails with: what is wrong and what to do.
    public func error(location: String) -> RegistryError {
        RegistryError(path: "audit.log", problem: """
            line \(line) does not verify (\(reason)), so no entry can be chained after it and nothing was written. \
            Inspect it with `fedtwin audit verify --store \(location)`; `fedtwin audit quarantine --store \(location) \
            --coordinator-key KEY` moves \(range) aside into quarantine/ (kept, not deleted) and records that in the chain
            """, code: .auditDamaged)
    }
}

/// What `Registry.quarantineAuditTail` moved aside.
public struct AuditQuarantine: Sendable, Equatable {
    public var damage: AuditDamage
    /// Store-relative path of the file holding the damaged tail's bytes.
    public var file: String
    public var bytes: Int
    /// Hex SHA-256 of those bytes (recorded in the chain's `audit-tail-quarantined` entry).
    public var sha256: String
    /// The entry recording the move.
    public var entry: AuditEntry
}
