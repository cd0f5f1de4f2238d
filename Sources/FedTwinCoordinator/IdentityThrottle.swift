/// Bounds what one enrolled, authenticated identity can make the coordinator write to the
/// audit log: the budget strangers have in `RefusalThrottle`, kept per site.
///
/// An enrolled site proved its key, but it can still repeat itself: 300 `hello`s in 1.2 s
/// used to append 637 entries (session-replaced, session-open, session-closed), and a
/// stream of refused frames one `frame-refused` each. Two budgets per site and window:
/// - `sessions`: accepted `hello`s. Past it a `hello` is refused with `rate-limited` (a
///   reject, no session, no audit entry): every new session costs entries and a re-sent
///   task, so it is the session that must be refused, not only its record.
/// - `entries`: audit entries its frames cause (refusals, `site-rejected`,
///   `evaluation-ignored`). Past it the frame is still refused, but only counted.
/// The first suppression in a window is audited once (`site-throttled`); the counts, by
/// reason code, follow in one `site-audit-suppressed` entry when the window ends. The map
/// holds only enrolled, authenticated sites, so it is as large as the enrolment table.
struct IdentityThrottle: Sendable {
    enum Budget: String, Sendable {
        case sessions, entries
    }

    /// What the caller does with an event.
    enum Admission: Sendable, Equatable {
        case admitted
        /// Over budget; `first` is true for the window's first suppression of that budget.
        case suppressed(first: Bool)
    }

    let sessionBudget: Int
    let entryBudget: Int
    let window: Duration
    private var throttles: [String: [Budget: RefusalThrottle]] = [:]

    /// Defaults: 10 sessions and 100 entries per site per minute — many more reconnects
    /// than a site on a flaky link makes, and the strangers' budget for entries.
    init(sessionBudget: Int = 10, entryBudget: Int = 100, window: Duration = .seconds(60)) {
        self.sessionBudget = sessionBudget
        self.entryBudget = entryBudget
        self.window = window
    }

    mutating func admit(site: String, _ budget: Budget, code: String, now: ContinuousClock.Instant = .now) -> Admission {
        var throttle = throttles[site]?[budget]
            ?? RefusalThrottle(budget: budget == .sessions ? sessionBudget : entryBudget, window: window, now: now)
        let wasSuppressing = throttle.isSuppressing
        let admitted = throttle.admit(code: code)
        throttles[site, default: [:]][budget] = throttle
        return admitted ? .admitted : .suppressed(first: !wasSuppressing)
    }

    /// One ended window's suppressions for one site and budget.
    struct Summary: Sendable, Equatable {
        let site: String
        let budget: Budget
        let summary: RefusalThrottle.Summary
    }

    /// Ends every window that is over (every window, if `force`: the coordinator is
    /// stopping, and nothing counted may be left unwritten); returns the summaries of those
    /// that suppressed something, sorted by site.
    mutating func roll(now: ContinuousClock.Instant = .now, force: Bool = false) -> [Summary] {
        var out: [Summary] = []
        for site in throttles.keys.sorted() {
            for budget in [Budget.sessions, .entries] {
                guard var throttle = throttles[site]?[budget] else { continue }
                if let summary = throttle.roll(now: now, force: force) { out.append(Summary(site: site, budget: budget, summary: summary)) }
                throttles[site]?[budget] = throttle
            }
        }
        return out
    }
}
