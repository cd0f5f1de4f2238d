#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A store that cannot be read or written as asked, naming the file and the problem.
public struct RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure, for callers that act on it (the coordinator pauses its round
    /// loop on `noSpace` and `auditDamaged` instead of stopping). Tests match the code,
    /// not the message.
    public enum Code: String, Sendable, Equatable {
        /// Any other failure: missing file, unparseable document, failed check.
        case failed
        /// The file system is full (ENOSPC) or the quota is exhausted (EDQUOT): nothing
        /// was written; retrying once space is freed succeeds.
        case noSpace = "no-space"
        /// The file system refused the operation for another reason (EIO, EROFS, …).
        case io
        /// The audit log's tail does not verify, so no entry can be chained to it until an
        /// operator moves the damaged tail aside (`fedtwin audit quarantine`).
        case auditDamaged = "audit-damaged"
        /// An enrolment file cannot be read or parsed.
        case corruptEnrolment = "corrupt-enrolment"
    }

    /// Path relative to the store root (or absolute when outside it).
    public var path: String
    public var problem: String
    public var code: Code

    public init(path: String, problem: String, code: Code = .failed) {
        self.path = path
        self.problem = problem
        self.code = code
    }

    /// A failed system call: the message carries `strerror`, the code tells ENOSPC and
    /// EDQUOT apart from other I/O errors.
    static func posix(_ path: String, _ what: String, errno number: Int32 = errno) -> RegistryError {
        let code: Code = (number == ENOSPC || number == EDQUOT) ? .noSpace : .io
        return RegistryError(path: path, problem: "\(what): \(String(cString: strerror(number)))", code: code)
    }

    /// True for failures that leave the store as it was and go away when an operator acts
    /// (frees space, quarantines a damaged audit tail): worth waiting for, not stopping on.
    public var isRecoverableByOperator: Bool { code == .noSpace || code == .auditDamaged }

    public var description: String { "\(path): \(problem)" }
}
