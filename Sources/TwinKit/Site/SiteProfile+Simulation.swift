import Foundation

/// Turning a profile into batch records: draw recipes, simulate truth, apply instruments.
extension SiteProfile {
    /// Batch id of batch `index` (1-based in the id, zero-padded so ids sort naturally).
    public func batchID(_ index: Int) -> String {
        let n = String(index + 1)
        return "\(name)-B" + String(repeating: "0", count: max(0, 3 - n.count)) + n
    }

    /// Recipe and strain of batch `index`. Each batch uses its own RNG sub-stream, so
    /// batch 7 is the same whether or not the others are generated.
    public func recipe(_ index: Int) -> (recipe: BatchRecipe, kinetics: PenicillinKinetics) {
        var rng = Xoshiro256StarStar(seed: seed, stream: UInt64(2 * index))
        let w = operating
        let recipe = BatchRecipe(
            duration: w.duration,
            initialState: ReactorState(biomass: w.initialBiomass.draw(&rng), substrate: w.initialSubstrate.draw(&rng),
                                       product: 0, volume: w.initialVolume.draw(&rng)),
            temperature: w.temperature.draw(&rng), pH: w.pH.draw(&rng),
            feedStart: w.feedStart.draw(&rng), feedRate: w.feedRate.draw(&rng), feedRamp: w.feedRamp.draw(&rng),
            feedConcentration: w.feedConcentration.draw(&rng))
        var strainThisBatch = strain
        strainThisBatch.growth *= Foundation.exp(batchToBatchVariation * rng.nextGaussian())
        strainThisBatch.production *= Foundation.exp(batchToBatchVariation * rng.nextGaussian())
        return (recipe, PenicillinKinetics.nominal.applying(strainThisBatch))
    }

    /// Ground truth of batch `index`.
    public func simulateTruth(_ index: Int) -> SimulatedBatch {
        let (recipe, kinetics) = self.recipe(index)
        var rng = Xoshiro256StarStar(seed: seed, stream: UInt64(2 * index + 1))
        let simulator = FedBatchSimulator(model: MechanisticModel(kinetics: kinetics), settings: logging)
        return simulator.simulate(recipe, rng: &rng)
    }

    /// What the site's instruments and lab would have recorded for a simulated batch.
    public func measure(_ truth: SimulatedBatch, batchID: String, rng: inout Xoshiro256StarStar) -> BatchRecord {
        var record = BatchRecord(batchID: batchID, time: truth.times)
        let n = truth.times.count
        var feed = [Double?](repeating: nil, count: n)
        var feedConc = [Double?](repeating: nil, count: n)
        var withdrawal = [Double?](repeating: nil, count: n)
        let s = sensors
        for i in 0..<n {
            let x = truth.states[i]
            let u = truth.inputs[i]
            record.temperature[i] = u.temperature + s.temperatureBias + s.temperatureNoise * rng.nextGaussian()
            record.pH[i] = u.pH + s.pHBias + s.pHNoise * rng.nextGaussian()
            record.volume[i] = x.volume + s.volumeNoise * rng.nextGaussian()
            feed[i] = u.feedRate == 0 ? 0 : max(0, u.feedRate * (1 + s.flowNoise * rng.nextGaussian()))
            feedConc[i] = truth.recipe.feedConcentration
            withdrawal[i] = u.withdrawalRate
            if truth.assayed[i] {
                record.biomass[i] = max(0, x.biomass * (1 + s.assayCV * rng.nextGaussian()))
                record.substrate[i] = max(0, x.substrate * (1 + s.assayCV * rng.nextGaussian()) + s.substrateFloor * rng.nextGaussian())
                record.product[i] = max(0, x.product * (1 + s.assayCV * rng.nextGaussian()))
            }
        }
        record.feeds = [FeedSeries(rate: feed, concentration: feedConc)]
        record.withdrawals = [withdrawal]
        return record
    }

    /// A record of the noise-free truth in the same layout as the measured one (no sensor
    /// bias or noise, same assay rows). For judging models against the truth on simulated
    /// data only; it must never be used for training.
    public func truthRecord(_ truth: SimulatedBatch, batchID: String) -> BatchRecord {
        var exact = self
        exact.sensors = SensorModel(temperatureBias: 0, temperatureNoise: 0, pHBias: 0, pHNoise: 0, volumeNoise: 0,
                                    flowNoise: 0, assayCV: 0, substrateFloor: 0)
        var rng = Xoshiro256StarStar(seed: 0)
        return exact.measure(truth, batchID: batchID, rng: &rng)
    }

    /// All batches: simulated truth and the measured records, in batch order.
    public func simulate() -> [(truth: SimulatedBatch, record: BatchRecord)] {
        (0..<batchCount).map { i in
            let truth = simulateTruth(i)
            var rng = Xoshiro256StarStar(seed: seed ^ 0x5EED_0F_5E45_0125, stream: UInt64(i))
            return (truth, measure(truth, batchID: batchID(i), rng: &rng))
        }
    }
}
