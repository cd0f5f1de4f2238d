import Foundation

/// Estimates specific rates from sparse offline assays by the integral mass-balance method.
///
/// Between two biomass assays at t_a and t_b, masses obey (see ``FedBatchBalance``)
///
///     X_b V_b − X_a V_a + ∫W X dt            = μ̄ ∫X V dt
///     ∫F s_f dt − (S_b V_b − S_a V_a) − ∫W S dt = σ̄ ∫X V dt
///     P_b V_b − P_a V_a + ∫W P dt + K ∫P V dt  = π̄ ∫X V dt
///
/// so each interval yields the interval-average rates without differentiating noisy
/// data. The feed term — known precisely from the pump log — dominates the uptake
/// estimate in the fed phase, which is why this is far less noisy than dS/dt.
/// Inside an interval X is interpolated log-linearly (exponential growth), S and P
/// linearly; evaporation removes no solute and so drops out of mass balances.
public struct IntervalRateEstimator: Sendable {
    /// Product hydrolysis constant K (1/h) assumed by the balances.
    public var hydrolysis: Double
    /// Half-width (rows) of the moving average applied to logged volume at assay times.
    public var volumeSmoothingRows: Int

    /// Longest interval, in assay steps: 1 uses consecutive assays only; larger values add
    /// overlapping longer intervals, whose rate estimates are less noisy (the assay noise
    /// is divided by a longer time) at the cost of averaging over more of the batch.
    public var maxSpan: Int

    public init(hydrolysis: Double = PenicillinKinetics.nominal.hydrolysis, volumeSmoothingRows: Int = 5, maxSpan: Int = 1) {
        self.hydrolysis = hydrolysis
        self.maxSpan = maxSpan
        self.volumeSmoothingRows = volumeSmoothingRows
    }

    /// All interval samples of one batch. Requires logged volume, temperature and pH.
    public func samples(from record: BatchRecord) throws -> [IntervalSample] {
        guard let volume = record.heldVolume() else {
            throw BatchDataError(batchID: record.batchID, what: "volume is not logged; the balances need it")
        }
        let inputs = try record.reactorInputs()
        let n = record.rowCount
        func smoothedVolume(_ row: Int) -> Double {
            let lo = max(0, row - volumeSmoothingRows), hi = min(n - 1, row + volumeSmoothingRows)
            return volume[lo...hi].reduce(0, +) / Double(hi - lo + 1)
        }
        let assayRows = (0..<n).filter { record.biomass[$0] != nil }
        var out: [IntervalSample] = []
        var pairs: [(Int, Int)] = []
        for span in 1...max(1, maxSpan) where span < assayRows.count {
            for k in 0..<(assayRows.count - span) { pairs.append((assayRows[k], assayRows[k + span])) }
        }
        for (a, b) in pairs {
            let ta = record.time[a], tb = record.time[b]
            guard tb > ta, let xa = record.biomass[a], let xb = record.biomass[b], xa > 0, xb > 0 else { continue }
            let sa = record.substrate[a], sb = record.substrate[b]
            let pa = record.product[a], pb = record.product[b]
            let span = tb - ta
            func xAt(_ t: Double) -> Double { xa * Foundation.pow(xb / xa, (t - ta) / span) }
            func lin(_ u: Double?, _ v: Double?, _ t: Double) -> Double? {
                guard let u, let v else { return nil }
                return u + (v - u) * (t - ta) / span
            }
            var ixv = 0.0, feedMass = 0.0, wX = 0.0, wS = 0.0, wP = 0.0, pv = 0.0
            var vSum = 0.0, tSum = 0.0, phSum = 0.0, fSum = 0.0, sinSum = 0.0
            for i in a..<b {
                let dt = record.time[i + 1] - record.time[i]
                guard dt > 0 else { continue }
                let tm = record.time[i] + dt / 2
                let u = inputs[i]
                let v = volume[i]
                let x = xAt(tm)
                ixv += x * v * dt
                feedMass += u.substrateInflow * dt
                wX += u.withdrawalRate * x * dt
                wS += u.withdrawalRate * (lin(sa, sb, tm) ?? 0) * dt
                let p = lin(pa, pb, tm) ?? 0
                wP += u.withdrawalRate * p * dt
                pv += p * v * dt
                vSum += v * dt
                tSum += u.temperature * dt
                phSum += u.pH * dt
                fSum += u.feedRate * dt
                sinSum += u.substrateInflow * dt
            }
            guard ixv > 0 else { continue }
            let va = smoothedVolume(a), vb = smoothedVolume(b)
            let floor = 1e-3
            let sMid: Double = {
                if let sa, let sb { return ((max(sa, 0) + floor) * (max(sb, 0) + floor)).squareRoot() - floor }
                return record.interpolated(\.substrate, at: (ta + tb) / 2) ?? 0
            }()
            let pMid = lin(pa, pb, (ta + tb) / 2) ?? record.interpolated(\.product, at: (ta + tb) / 2) ?? 0
            var sample = IntervalSample(
                start: ta, end: tb, biomass: (xa * xb).squareRoot(), substrate: sMid, product: pMid,
                volume: vSum / span, temperature: tSum / span, pH: phSum / span,
                feedRate: fSum / span, substrateInflow: sinSum / span)
            sample.growth = (xb * vb - xa * va + wX) / ixv
            sample.biomassSlope = (xb - xa) / span
            if let sa, let sb {
                sample.uptake = (feedMass - (sb * vb - sa * va) - wS) / ixv
                sample.substrateSlope = (sb - sa) / span
            }
            if let pa, let pb {
                sample.production = (pb * vb - pa * va + wP + hydrolysis * pv) / ixv
                sample.productSlope = (pb - pa) / span
            }
            out.append(sample)
        }
        return out
    }
}
