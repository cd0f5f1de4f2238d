/// Batch-wise unfolding (Nomikos & MacGregor 1994): each batch becomes one row of
/// `variables × grid times` values, so PCA models the whole trajectory and its
/// time-varying correlations. Batches are aligned by time since inoculation.
public struct BatchUnfolding: Sendable, Equatable, Codable {
    public var variables: [MonitoredVariable]
    /// Times (h) at which every variable is sampled.
    public var times: [Double]

    public init(variables: [MonitoredVariable] = MonitoredVariable.allCases, times: [Double]) {
        self.variables = variables
        self.times = times
    }

    /// Default: all variables every 10 h over a 200 h batch (21 × 7 = 147 columns).
    public static let standard = BatchUnfolding(times: stride(from: 0.0, through: 200, by: 10).map { $0 })

    /// Number of columns.
    public var width: Int { variables.count * times.count }

    /// Column label, e.g. `"P@120h"`.
    public func label(_ column: Int) -> String {
        let v = variables[column % variables.count]
        let t = times[column / variables.count]
        return "\(v.rawValue)@\(t == t.rounded() ? String(Int(t)) : String(t))h"
    }

    /// The unfolded row of one batch (time-major: all variables at t₀, then at t₁, …).
    public func row(_ record: BatchRecord) throws -> [Double] {
        guard let last = record.time.last, let lastGrid = times.last, last + 1e-9 >= lastGrid else {
            throw BatchDataError(batchID: record.batchID, what: "batch ends before the last monitoring time \(times.last ?? 0) h")
        }
        var out: [Double] = []
        out.reserveCapacity(width)
        for t in times {
            for v in variables {
                guard let value = v.value(in: record, at: t) else {
                    throw BatchDataError(batchID: record.batchID, what: "no \(v.rawValue) data for monitoring")
                }
                out.append(value)
            }
        }
        return out
    }
}
