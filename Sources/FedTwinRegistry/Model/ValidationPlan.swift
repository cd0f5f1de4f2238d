import FedTwinWire

/// The acceptance criteria a version must meet before anyone may approve it, fixed before
/// training and signed (by the coordinator key and by an authorised person). Stored as
/// `plans/NNNNNN.json`; a change is a new plan version, the old one is never rewritten.
public struct ValidationPlan: Sendable, Codable, Equatable {
    public var format: Int
    /// 1, 2, …: set by the registry when the plan is stored.
    public var planVersion: Int
    /// What the model may be used for (free text, shown in every validation record).
    public var intendedUse: String
    /// A version evaluated by fewer sites is `incomplete`, never `passed`.
    public var minimumSites: Int
    /// Per-site held-out thresholds: every evaluating site must meet each one.
    public var thresholds: [MetricThreshold]
    /// How much worse than its own baseline any site may be. The baseline is the site's
    /// evaluation of version 0 (the initial parameters): records hold no separate per-site
    /// baseline yet. Higher values are worse (loss-like metrics).
    public var baselineBounds: [BaselineBound]
    public var createdAt: String

    public init(format: Int = 1, planVersion: Int = 0, intendedUse: String, minimumSites: Int, thresholds: [MetricThreshold],
                baselineBounds: [BaselineBound] = [], createdAt: String = "") {
        self.format = format
        self.planVersion = planVersion
        self.intendedUse = intendedUse
        self.minimumSites = minimumSites
        self.thresholds = thresholds
        self.baselineBounds = baselineBounds
        self.createdAt = createdAt
    }

    /// What is wrong with the plan as written, or nil.
    public var problem: String? {
        if intendedUse.isEmpty { return "intendedUse is empty" }
        if minimumSites < 1 { return "minimumSites must be ≥ 1, got \(minimumSites)" }
        if thresholds.isEmpty && baselineBounds.isEmpty { return "no criteria: give thresholds or baselineBounds" }
        for t in thresholds {
            if t.metric.isEmpty { return "a threshold has no metric" }
            if (t.atMost == nil) == (t.atLeast == nil) { return "threshold on \(t.metric): give exactly one of atMost, atLeast" }
            if !((t.atMost ?? t.atLeast ?? 0).isFinite) { return "threshold on \(t.metric) is not finite" }
        }
        for b in baselineBounds where b.metric.isEmpty || !b.maxIncrease.isFinite || b.maxIncrease < 0 {
            return "baseline bound on \(b.metric.isEmpty ? "(no metric)" : b.metric): maxIncrease must be finite and ≥ 0"
        }
        return nil
    }
}

/// `metric` ≤ `atMost` (or ≥ `atLeast`) on every evaluating site's held-out data.
public struct MetricThreshold: Sendable, Codable, Equatable {
    public var metric: String
    public var atMost: Double?
    public var atLeast: Double?

    public init(metric: String, atMost: Double? = nil, atLeast: Double? = nil) {
        self.metric = metric
        self.atMost = atMost
        self.atLeast = atLeast
    }
}

/// On every site, `metric(version) − metric(version 0)` ≤ `maxIncrease`.
public struct BaselineBound: Sendable, Codable, Equatable {
    public var metric: String
    public var maxIncrease: Double

    public init(metric: String, maxIncrease: Double) {
        self.metric = metric
        self.maxIncrease = maxIncrease
    }
}
