import Foundation

/// Turning a mammalian profile into batch records: draw recipes, simulate truth, apply
/// instruments. Records use the issue-12 variable names (`viable-cells`, `glucose`,
/// `glutamine`, `lactate`, `ammonia`, `titre`, `volume`) and a feed carrying `glucose` and
/// `glutamine`.
extension MammalianProfile {
    /// Batch id of batch `index` (1-based, zero-padded).
    public func batchID(_ index: Int) -> String {
        let n = String(index + 1)
        return "\(name)-B" + String(repeating: "0", count: max(0, 3 - n.count)) + n
    }

    /// Recipe and kinetics of batch `index`, from its own RNG sub-stream.
    public func recipe(_ index: Int) -> (recipe: CellCultureRecipe, kinetics: CellCultureKinetics) {
        var rng = Xoshiro256StarStar(seed: seed, stream: UInt64(2 * index))
        let w = operating
        let initial = CellCultureState(
            viableCells: w.initialCells.draw(&rng), glucose: w.initialGlucose.draw(&rng), glutamine: w.initialGlutamine.draw(&rng),
            lactate: w.initialLactate.draw(&rng), ammonia: w.initialAmmonia.draw(&rng), titre: 0, volume: w.initialVolume.draw(&rng))
        let recipe = CellCultureRecipe(
            duration: w.duration, initialState: initial, temperature: w.temperature.draw(&rng), pH: w.pH.draw(&rng),
            dissolvedOxygen: w.dissolvedOxygen.draw(&rng), feedStart: w.feedStart.draw(&rng), feedRate: w.feedRate.draw(&rng),
            feedRamp: w.feedRamp.draw(&rng), feedGlucose: w.feedGlucose.draw(&rng), feedGlutamine: w.feedGlutamine.draw(&rng))
        var line = cellLine
        line.growth *= Foundation.exp(batchToBatchVariation * rng.nextGaussian())
        line.productivity *= Foundation.exp(batchToBatchVariation * rng.nextGaussian())
        return (recipe, CellCultureKinetics.nominal.applying(line))
    }

    /// Ground truth of batch `index`.
    public func simulateTruth(_ index: Int) throws -> SimulatedCellCulture {
        let (recipe, kinetics) = self.recipe(index)
        var rng = Xoshiro256StarStar(seed: seed, stream: UInt64(2 * index + 1))
        return try CellCultureSimulator(model: CellCultureModel(kinetics: kinetics), settings: logging).simulate(recipe, rng: &rng)
    }

    /// What the site's probes and lab would have recorded for a simulated batch.
    public func measure(_ truth: SimulatedCellCulture, batchID: String, rng: inout Xoshiro256StarStar) -> BatchRecord {
        var record = BatchRecord(batchID: batchID, time: truth.times)
        let n = truth.times.count
        let none = [Double?](repeating: nil, count: n)
        var cells = none, glucose = none, glutamine = none, lactate = none, ammonia = none
        var feed = none, feedGlucose = none, feedGlutamine = none, withdrawal = none
        let s = sensors
        func assay(_ v: Double, cv: Double, floor: Double) -> Double {
            max(0, v * (1 + cv * rng.nextGaussian()) + floor * rng.nextGaussian())
        }
        for i in 0..<n {
            let x = truth.states[i], u = truth.inputs[i]
            record.temperature[i] = u.temperature + s.temperatureBias + s.temperatureNoise * rng.nextGaussian()
            record.pH[i] = u.pH + s.pHBias + s.pHNoise * rng.nextGaussian()
            record.dissolvedOxygen[i] = max(0, u.dissolvedOxygen + s.dissolvedOxygenNoise * rng.nextGaussian())
            record.volume[i] = x.volume + s.volumeNoise * rng.nextGaussian()
            feed[i] = u.feedRate == 0 ? 0 : max(0, u.feedRate * (1 + s.flowNoise * rng.nextGaussian()))
            feedGlucose[i] = truth.recipe.feedGlucose
            feedGlutamine[i] = truth.recipe.feedGlutamine
            withdrawal[i] = u.withdrawalRate
            if truth.assayed[i] {
                cells[i] = assay(x.viableCells, cv: s.cellCountCV, floor: 0)
                glucose[i] = assay(x.glucose, cv: s.assayCV, floor: s.assayFloor)
                glutamine[i] = assay(x.glutamine, cv: s.assayCV, floor: s.assayFloor)
                lactate[i] = assay(x.lactate, cv: s.assayCV, floor: s.assayFloor)
                ammonia[i] = assay(x.ammonia, cv: s.assayCV, floor: s.assayFloor)
                record.product[i] = assay(x.titre, cv: s.titreCV, floor: 0)
            }
        }
        record.variables = ["viable-cells": cells, "glucose": glucose, "glutamine": glutamine, "lactate": lactate, "ammonia": ammonia]
        var series = FeedSeries(rate: feed, concentration: [Double?](repeating: 0, count: n))
        series.substances = ["glucose": feedGlucose, "glutamine": feedGlutamine]
        record.feeds = [series]
        record.withdrawals = [withdrawal]
        return record
    }

    /// The noise-free truth in the measured record's layout (same assay rows), for judging
    /// models on simulated data only; never for training.
    public func truthRecord(_ truth: SimulatedCellCulture, batchID: String) -> BatchRecord {
        var exact = self
        exact.sensors = .exact
        var rng = Xoshiro256StarStar(seed: 0)
        return exact.measure(truth, batchID: batchID, rng: &rng)
    }

    /// All batches: simulated truth and the measured records, in batch order.
    public func simulate() throws -> [(truth: SimulatedCellCulture, record: BatchRecord)] {
        try (0..<batchCount).map { i in
            let truth = try simulateTruth(i)
            var rng = Xoshiro256StarStar(seed: seed ^ 0x5EED_0F_5E45_0125, stream: UInt64(i))
            return (truth, measure(truth, batchID: batchID(i), rng: &rng))
        }
    }
}
