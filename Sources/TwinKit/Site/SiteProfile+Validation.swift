/// Plausibility checks run when a profile is loaded, so a typo in a hand-edited JSON file
/// is reported by field instead of producing nonsense batches or a crashed simulator.
extension SiteProfile {
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ reason: String) throws {
            if !ok { throw SiteProfileError(field: field, reason: reason) }
        }
        func range(_ r: ValueRange, _ field: String, _ lo: Double, _ hi: Double) throws {
            try check(r.low.isFinite && r.high.isFinite && r.low >= lo && r.high <= hi, field, "must lie within [\(lo), \(hi)]")
        }
        try check(batchCount >= 0, "batchCount", "must not be negative")
        try check(batchToBatchVariation >= 0 && batchToBatchVariation < 1, "batchToBatchVariation", "must be in [0, 1)")
        let o = operating
        try check(o.duration > 0 && o.duration <= 2_000, "operating.duration", "must be in (0, 2000] h")
        try range(o.temperature, "operating.temperature", 5, 50)
        try range(o.pH, "operating.pH", 3, 8)
        try range(o.feedStart, "operating.feedStart", 0, o.duration)
        try range(o.feedRate, "operating.feedRate", 0, 100)
        try range(o.feedRamp, "operating.feedRamp", -1, 1)
        try range(o.feedConcentration, "operating.feedConcentration", 0, 1_000)
        try range(o.initialBiomass, "operating.initialBiomass", 1e-6, 100)
        try range(o.initialSubstrate, "operating.initialSubstrate", 0, 500)
        try range(o.initialVolume, "operating.initialVolume", 1e-3, 1e6)
        let s = strain
        for (name, v) in s.named {
            try check(v > 0 && v < 10, "strain.\(name)", "multiplier must be in (0, 10)")
        }
        let n = sensors
        for (name, v) in [("temperatureNoise", n.temperatureNoise), ("pHNoise", n.pHNoise), ("volumeNoise", n.volumeNoise),
                          ("flowNoise", n.flowNoise), ("assayCV", n.assayCV), ("substrateFloor", n.substrateFloor)] {
            try check(v >= 0 && v.isFinite, "sensors.\(name)", "must be a non-negative number")
        }
        let l = logging
        try check(l.onlineInterval > 0 && l.onlineInterval <= o.duration, "logging.onlineInterval", "must be in (0, duration]")
        try check(l.offlineInterval >= l.onlineInterval, "logging.offlineInterval", "must be at least the online interval")
        try check(l.sampleVolume >= 0, "logging.sampleVolume", "must not be negative")
        try check(l.relativeTolerance > 0 && l.absoluteTolerance > 0, "logging.relativeTolerance", "tolerances must be positive")
    }
}
