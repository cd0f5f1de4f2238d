import Foundation

/// Early-batch features for predicting the final titre, with fixed scaling (shared by
/// all sites so averaged weights mean the same thing everywhere).
///
/// Uses what a plant knows `horizon` hours into a batch: mean logged temperature and pH so
/// far, X, S and P interpolated at the horizon, and the mean feed rate over the whole batch —
/// the feed plan is a recipe decision made in advance, so it is legitimately known.
public struct TitreFeatures: Sendable, Equatable, Codable {
    /// Hours into the batch at which the prediction is made.
    public var horizon: Double

    public init(horizon: Double = 60) {
        self.horizon = horizon
    }

    public static let count = 7

    /// Feature vector of one batch.
    public func features(_ r: BatchRecord) throws -> [Double] {
        guard let first = r.time.first, let last = r.time.last, last - first >= horizon else {
            throw BatchDataError(batchID: r.batchID, what: "batch shorter than the \(horizon) h feature horizon")
        }
        let inputs = try r.reactorInputs()
        var tSum = 0.0, phSum = 0.0, span = 0.0, feedSum = 0.0, total = 0.0
        for i in 0..<(r.rowCount - 1) {
            let dt = r.time[i + 1] - r.time[i]
            feedSum += inputs[i].feedRate * dt
            total += dt
            if r.time[i] < first + horizon {
                tSum += inputs[i].temperature * dt
                phSum += inputs[i].pH * dt
                span += dt
            }
        }
        guard span > 0, total > 0,
              let x = r.interpolated(\.biomass, at: first + horizon),
              let s = r.interpolated(\.substrate, at: first + horizon),
              let p = r.interpolated(\.product, at: first + horizon) else {
            throw BatchDataError(batchID: r.batchID, what: "missing assays before the feature horizon")
        }
        return [
            (tSum / span - 26) / 2,
            (phSum / span - 5.2) / 0.3,
            (x - 6) / 3,
            (Foundation.log10(max(s, 0) + 1e-3) + 1) / 1.5,
            (p - 0.2) / 0.2,
            (feedSum / total - 0.045) / 0.015,
            (r.duration - 200) / 50,
        ]
    }

    /// Final titre (last product assay, g/L).
    public func target(_ r: BatchRecord) throws -> Double {
        guard let p = r.product.last(where: { $0 != nil }) ?? nil else {
            throw BatchDataError(batchID: r.batchID, what: "no product assay")
        }
        return p
    }
}
