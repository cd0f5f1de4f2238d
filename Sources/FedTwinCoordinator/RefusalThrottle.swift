/// Bounds how many refusals of not-yet-identified peers (`connection-refused`,
/// `hello-refused`) are written to the audit log one by one.
///
/// Those peers have proved nothing, so without a bound anyone who can reach the port could
/// grow the signed audit log — and force a sync per refused `hello` — as fast as they can
/// open connections. Within a window the first `budget` refusals are audited individually;
/// the rest are only counted, by reason code, and summarised in one
/// `refusals-suppressed` entry when the window ends. Nothing is lost from the record: the
/// summary says how many and why.
struct RefusalThrottle: Sendable {
    let budget: Int
    let window: Duration
    private var windowStart: ContinuousClock.Instant
    private var written = 0
    private var suppressed: [String: Int] = [:]

    init(budget: Int = 100, window: Duration = .seconds(60), now: ContinuousClock.Instant = .now) {
        self.budget = budget
        self.window = window
        self.windowStart = now
    }

    /// A summary of the window that just ended, if it suppressed anything.
    struct Summary: Sendable, Equatable {
        let count: Int
        /// "code:count" pairs, sorted by code.
        let codes: String
        let windowSeconds: Double
    }

    /// Starts a new window if the current one is over (or `force`, when the coordinator
    /// stops); returns its summary, if any.
    mutating func roll(now: ContinuousClock.Instant = .now, force: Bool = false) -> Summary? {
        guard force || now - windowStart >= window else { return nil }
        defer {
            windowStart = now
            written = 0
            suppressed = [:]
        }
        guard !suppressed.isEmpty else { return nil }
        let seconds = Double((now - windowStart).components.seconds)
        return Summary(count: suppressed.values.reduce(0, +),
                       codes: suppressed.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ","),
                       windowSeconds: seconds)
    }

    /// True once this window has suppressed something.
    var isSuppressing: Bool { !suppressed.isEmpty }

    /// True when this refusal may be audited individually; otherwise it is counted.
    mutating func admit(code: String) -> Bool {
        if written < budget {
            written += 1
            return true
        }
        suppressed[code, default: 0] += 1
        return false
    }
}
