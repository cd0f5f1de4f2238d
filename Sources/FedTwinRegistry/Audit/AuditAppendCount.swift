import Synchronization

/// How many audit entries a `Registry` value (and every copy of it) has appended, counted
/// where entries are written, so a reader such as the coordinator's `/metrics` sees every
/// entry — round events, commits, evaluations, validation records, repairs — without each
/// caller keeping its own tally.
public final class AuditAppendCount: Sendable {
    private let count = Mutex(0)

    public init() {}

    /// Entries appended so far.
    public var value: Int { count.withLock { $0 } }

    func add(_ entries: Int) {
        count.withLock { $0 += entries }
    }
}
