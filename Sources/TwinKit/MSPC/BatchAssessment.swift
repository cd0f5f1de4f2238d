/// Verdict on one batch: statistics, limits, and which variables drive it.
public struct BatchAssessment: Sendable, Equatable {
    public var batchID: String
    public var t2: Double
    public var spe: Double
    public var t2Limit95: Double
    public var t2Limit99: Double
    public var speLimit95: Double
    public var speLimit99: Double
    /// Variables ranked by their share of the more violated statistic (T² or SPE,
    /// relative to its 99 % limit), summed over monitoring times.
    public var topContributors: [(variable: String, share: Double)]

    /// In control at 99 %: both statistics below their 99 % limits.
    public var inControl: Bool { t2 <= t2Limit99 && spe <= speLimit99 }
    /// In control at 95 %.
    public var inControl95: Bool { t2 <= t2Limit95 && spe <= speLimit95 }

    public static func == (l: BatchAssessment, r: BatchAssessment) -> Bool {
        l.batchID == r.batchID && l.t2 == r.t2 && l.spe == r.spe && l.t2Limit99 == r.t2Limit99 && l.speLimit99 == r.speLimit99
            && l.topContributors.map(\.variable) == r.topContributors.map(\.variable)
    }
}
