import FedTwinWire

/// The plan evaluated against one version's evaluations, signed by the coordinator
/// (`validation/NNNNNN.json` + `.sig`). Recomputed and replaced when late evaluations
/// arrive; the plan version and the evaluation record it used are named.
public struct ValidationRecord: Sendable, Codable, Equatable {
    public enum Outcome: String, Sendable, Codable, Equatable {
        /// Every criterion met on every site, by at least the plan's number of sites.
        case passed
        /// Some criterion failed on some site.
        case failed
        /// Fewer evaluating sites than the plan requires, or a value (or baseline) missing;
        /// and nothing failed. Not `passed`: a version may not be approved on it.
        case incomplete
    }

    public var format: Int
    public var version: Int
    public var versionID: String
    /// SHA-256 of the evaluation record file used.
    public var evaluationID: String
    public var planVersion: Int
    /// SHA-256 of the plan file used.
    public var planID: String
    /// Whether the plan was stored before the version was committed. A plan written after
    /// the results were seen is no evidence of criteria fixed in advance: shown to the
    /// reviewer, not a criterion.
    public var planPredatesVersion: Bool
    public var outcome: Outcome
    public var evaluatingSites: Int
    public var minimumSites: Int
    public var results: [CriterionResult]
    public var createdAt: String
    public var coordinator: Fingerprint
}

/// One criterion on one site.
public struct CriterionResult: Sendable, Codable, Equatable {
    /// E.g. "loss ≤ 0.5" or "loss − baseline ≤ 0.1".
    public var criterion: String
    public var site: String
    /// Nil when the site did not report the metric (or has no baseline).
    public var value: Double?
    public var threshold: Double
    /// Nil when `value` is missing (counts as incomplete).
    public var passed: Bool?
}
