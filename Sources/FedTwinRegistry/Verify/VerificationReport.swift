/// What `models verify` / `audit verify` found: one line per check, failures first in
/// `failures`. A reviewer reads it; scripts read `passed`.
public struct VerificationReport: Sendable, Codable, Equatable {
    public struct Check: Sendable, Codable, Equatable {
        /// What was checked, e.g. "version 3 signature", "object 1a2b…", "audit entry 17".
        public var subject: String
        public var ok: Bool
        public var detail: String
    }

    public var checks: [Check] = []

    public init() {}

    public var passed: Bool { checks.allSatisfy(\.ok) }
    public var failures: [Check] { checks.filter { !$0.ok } }

    mutating func pass(_ subject: String, _ detail: String = "ok") {
        checks.append(Check(subject: subject, ok: true, detail: detail))
    }

    mutating func fail(_ subject: String, _ detail: String) {
        checks.append(Check(subject: subject, ok: false, detail: detail))
    }

    /// Runs `body`; a thrown error becomes a failed check.
    mutating func check(_ subject: String, _ body: () throws -> String) {
        do {
            pass(subject, try body())
        } catch {
            fail(subject, "\(error)")
        }
    }
}
