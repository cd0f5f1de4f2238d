import FedTwinWire
import Foundation

extension Registry {
    /// The first place the audit log stops verifying, or nil when every line does (a torn
    /// last line without its newline is not damage: the next append cuts it). Reads the
    /// whole log and checks every entry's sequence, link and hash and, with `signatures`,
    /// every signature (one Ed25519 verification per signed entry: the coordinator's start
    /// checks the structure only and leaves signatures to `audit verify`).
    public func auditDamage(signatures: Bool = true) throws -> AuditDamage? {
        guard let bytes = try storage.read("audit.log") else { return nil }
        let key = try info().key()
        var lines = bytes.split(separator: 0x0a, omittingEmptySubsequences: false)
        lines.removeLast()  // a torn last line, or the empty piece after the last newline
        var offset = 0
        var prev = AuditEntry.genesis
        var seq = 0
        for (index, line) in lines.enumerated() {
            defer { offset += line.count + 1 }
            if line.isEmpty { continue }
            func damage(_ reason: String) -> AuditDamage {
                AuditDamage(line: index + 1, offset: offset, lines: lines.count - index, reason: reason)
            }
            guard let entry = try? Canonical.decoder.decode(AuditEntry.self, from: Data(line)) else {
                return damage("not an audit entry: \(String(decoding: line.prefix(60), as: UTF8.self).debugDescription)")
            }
            if entry.seq != seq + 1 { return damage("sequence number \(entry.seq), expected \(seq + 1)") }
            if entry.prev != prev { return damage("does not link to the previous entry") }
            if let problem = entry.hashProblem() { return damage(problem) }
            if signatures, entry.sig != nil, !entry.signatureValid(with: key) { return damage("coordinator signature does not verify") }
            prev = entry.hash
            seq = entry.seq
        }
        return nil
    }

    /// The recovery for a damaged audit log: moves the damaged tail (from the first line
    /// that does not verify to the end) into `quarantine/audit-<time>-lines-N-M.log` —
    /// kept byte for byte, never deleted — cuts audit.log back to the entries that verify,
    /// and appends a signed `audit-tail-quarantined` entry naming the file, the lines, the
    /// size and the SHA-256 of what was moved. Throws when the log has no damage.
    ///
    /// Each step is durable before the next: a crash leaves at worst a copy in quarantine/
    /// and the log as it was, and the command can be run again.
    @discardableResult
    public func quarantineAuditTail(signer: SigningKey) throws -> AuditQuarantine {
        try storage.withWriteLock {
            try requireCoordinator(signer)
            guard let damage = try auditDamage() else {
                throw RegistryError(path: "audit.log", problem: "every entry verifies: there is no damaged tail to quarantine")
            }
            let bytes = try storage.read("audit.log") ?? []
            let tail = Array(bytes[damage.offset...])
            let file = "quarantine/audit-\(Self.quarantineStamp())-lines-\(damage.line)-\(damage.line + damage.lines - 1).log"
            try storage.writeAtomically(tail, to: file, durable: true)
            try storage.writeAtomically(Array(bytes[..<damage.offset]), to: "audit.log", durable: true)
            let sha256 = SHA256.hex(tail)
            let entry = try appendAudit(event: .auditTailQuarantined, data: [
                "file": file, "from-line": String(damage.line), "lines": String(damage.lines), "bytes": String(tail.count),
                "sha256": sha256, "reason": damage.reason,
            ], signer: signer, durable: true)
            return AuditQuarantine(damage: damage, file: file, bytes: tail.count, sha256: sha256, entry: entry)
        }
    }

    /// A UTC time for names of files set aside: sortable, no characters a shell quotes.
    static func quarantineStamp() -> String {
        Canonical.now().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
    }
}
