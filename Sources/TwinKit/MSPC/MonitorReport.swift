/// What `fedtwin monitor` reports for a file of batches scored against one MSPC model:
/// per batch, T² and SPE against their 95 % and 99 % limits, a verdict, and the variables
/// that contribute most to the statistic furthest over its 99 % limit.
///
/// Batches that cannot be scored (e.g. shorter than the monitoring grid) are listed with
/// the reason instead of being dropped silently.
public struct MonitorReport: Sendable, Equatable, Codable {
    /// Verdict on one batch.
    public enum Verdict: String, Sendable, Codable {
        /// Both statistics within their 95 % limits.
        case inControl = "in control"
        /// Within the 99 % limits, but beyond a 95 % limit (expected for ~1 batch in 20).
        case warning = "warning"
        /// Beyond a 99 % limit.
        case outOfControl = "out of control"
        /// Could not be scored (see ``Batch/problem``).
        case notScored = "not scored"
    }

    /// One variable's share of a statistic.
    public struct Contribution: Sendable, Equatable, Codable {
        public var variable: String
        public var share: Double
        public init(variable: String, share: Double) {
            self.variable = variable
            self.share = share
        }
    }

    /// One batch's line of the report.
    public struct Batch: Sendable, Equatable, Codable {
        public var batch: String
        public var verdict: Verdict
        public var t2: Double?
        public var t2Limit95: Double?
        public var t2Limit99: Double?
        public var spe: Double?
        public var speLimit95: Double?
        public var speLimit99: Double?
        /// Limits exceeded, e.g. `["T² > 95 %", "SPE > 99 %"]`.
        public var exceeded: [String]
        /// `"T²"` or `"SPE"`: the statistic the contributions decompose (the one with the
        /// larger ratio to its 99 % limit).
        public var contributionsOf: String?
        public var topContributors: [Contribution]
        /// Why the batch was not scored.
        public var problem: String?
    }

    /// Model summary.
    public var components: Int
    public var referenceBatches: Int
    public var columns: Int
    public var batches: [Batch]

    public init(components: Int, referenceBatches: Int, columns: Int, batches: [Batch]) {
        self.components = components
        self.referenceBatches = referenceBatches
        self.columns = columns
        self.batches = batches
    }

    /// Scores every record against `monitor`.
    public init(component: MSPCComponent, monitor: PCAMonitor, records: [BatchRecord], top: Int = 3) {
        let batches = records.map { record -> Batch in
            do {
                return Self.batch(try component.assess(record, with: monitor, top: top))
            } catch {
                return Batch(batch: record.batchID, verdict: .notScored, exceeded: [], topContributors: [],
                             problem: String(describing: error))
            }
        }
        self.init(components: monitor.components, referenceBatches: monitor.batches, columns: monitor.dimension, batches: batches)
    }

    /// The verdict for one assessment.
    public static func verdict(_ a: BatchAssessment) -> Verdict {
        if !a.inControl { return .outOfControl }
        if !a.inControl95 { return .warning }
        return .inControl
    }

    /// The report line of one assessment.
    public static func batch(_ a: BatchAssessment) -> Batch {
        var exceeded: [String] = []
        if a.t2 > a.t2Limit99 { exceeded.append("T² > 99 %") } else if a.t2 > a.t2Limit95 { exceeded.append("T² > 95 %") }
        if a.spe > a.speLimit99 { exceeded.append("SPE > 99 %") } else if a.spe > a.speLimit95 { exceeded.append("SPE > 95 %") }
        // Same choice as MSPCComponent.assess: the statistic with the larger ratio to its 99 % limit.
        let useSPE = a.spe / max(a.speLimit99, 1e-300) >= a.t2 / max(a.t2Limit99, 1e-300)
        return Batch(batch: a.batchID, verdict: verdict(a), t2: a.t2, t2Limit95: a.t2Limit95, t2Limit99: a.t2Limit99,
                     spe: a.spe, speLimit95: a.speLimit95, speLimit99: a.speLimit99, exceeded: exceeded,
                     contributionsOf: useSPE ? "SPE" : "T²",
                     topContributors: a.topContributors.map { Contribution(variable: $0.variable, share: $0.share) },
                     problem: nil)
    }

    /// Number of batches with a verdict.
    public func count(_ verdict: Verdict) -> Int { batches.filter { $0.verdict == verdict }.count }

    /// One-line summary, e.g. `"2 batches: 1 in control, 1 out of control (99 % limits)"`.
    public var summary: String {
        var parts: [String] = []
        for v in [Verdict.inControl, .warning, .outOfControl, .notScored] where count(v) > 0 {
            parts.append("\(count(v)) \(v.rawValue)")
        }
        let n = batches.count
        return "\(n) batch\(n == 1 ? "" : "es"): " + (parts.isEmpty ? "none" : parts.joined(separator: ", "))
    }

    /// Contributors as text, e.g. `"T 92 %, pH 3 %"`.
    public static func contributorsText(_ b: Batch) -> String {
        b.topContributors.map { "\($0.variable) \(Int(($0.share * 100).rounded())) %" }.joined(separator: ", ")
    }
}
