/// Accuracy of open-loop trajectories against offline assays.
///
/// RMSEs pool every assay after the initial one across batches; the titre error compares
/// the simulated product at the last row with the last product assay of each batch.
public struct TrajectoryMetrics: Sendable, Equatable {
    public var rmseBiomass: Double
    public var rmseSubstrate: Double
    public var rmseProduct: Double
    /// Root mean square of final-titre errors over batches (g/L).
    public var finalTitreRMSE: Double
    /// Mean signed final-titre error (simulated − measured, g/L).
    public var finalTitreBias: Double
    public var batches: Int
    public var assays: Int

    /// Computes metrics for simulated trajectories (one state per row) of the records.
    public static func compute(_ pairs: [(record: BatchRecord, simulated: [ReactorState])]) -> TrajectoryMetrics {
        var se = SIMD3<Double>(repeating: 0)
        var counts = SIMD3<Double>(repeating: 0)
        var titreSq = 0.0, titreSum = 0.0, titreN = 0.0
        var assays = 0
        for (record, sim) in pairs {
            for i in 1..<record.rowCount {
                if let x = record.biomass[i] { se[0] += (sim[i].biomass - x) * (sim[i].biomass - x); counts[0] += 1; assays += 1 }
                if let s = record.substrate[i] { se[1] += (sim[i].substrate - s) * (sim[i].substrate - s); counts[1] += 1 }
                if let p = record.product[i] { se[2] += (sim[i].product - p) * (sim[i].product - p); counts[2] += 1 }
            }
            if let last = record.product.lastIndex(where: { $0 != nil }), last > 0 {
                let e = sim[sim.count - 1].product - record.product[last]!
                titreSq += e * e
                titreSum += e
                titreN += 1
            }
        }
        func root(_ a: Double, _ n: Double) -> Double { n > 0 ? (a / n).squareRoot() : .nan }
        return TrajectoryMetrics(
            rmseBiomass: root(se[0], counts[0]), rmseSubstrate: root(se[1], counts[1]), rmseProduct: root(se[2], counts[2]),
            finalTitreRMSE: root(titreSq, titreN), finalTitreBias: titreN > 0 ? titreSum / titreN : .nan,
            batches: pairs.count, assays: assays)
    }

    /// Metrics of trajectories simulated from `records` (the model's inputs) scored against
    /// `reference` batches with the same ids and rows — e.g. the simulator's `truth.csv` —
    /// instead of the noisy assays. Batches without a reference are scored against their
    /// own assays.
    public static func compute(simulated: [[ReactorState]], records: [BatchRecord], reference: [BatchRecord]) -> TrajectoryMetrics {
        let byID = Dictionary(reference.map { ($0.batchID, $0) }, uniquingKeysWith: { a, _ in a })
        return compute(zip(records, simulated).map { record, sim in
            if let ref = byID[record.batchID], ref.rowCount == record.rowCount { return (ref, sim) }
            return (record, sim)
        })
    }

    /// As a metrics dictionary (keys are stable: they appear in manifests and reports).
    public func dictionary(prefix: String = "") -> [String: Double] {
        [
            prefix + "rmse_X": rmseBiomass,
            prefix + "rmse_S": rmseSubstrate,
            prefix + "rmse_P": rmseProduct,
            prefix + "final_titre_rmse": finalTitreRMSE,
            prefix + "final_titre_bias": finalTitreBias,
            prefix + "batches": Double(batches),
        ]
    }
}
