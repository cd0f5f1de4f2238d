/// Plausibility checks run when a mammalian profile is loaded, reported by field.
extension MammalianProfile {
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ reason: String) throws {
            if !ok { throw SiteProfileError(field: field, reason: reason) }
        }
        func range(_ r: ValueRange, _ field: String, _ lo: Double, _ hi: Double) throws {
            try check(r.low.isFinite && r.high.isFinite && r.low >= lo && r.high <= hi, field, "must lie within [\(lo), \(hi)]")
        }
        try check(process == .mammalian, "process", "must be \"mammalian\" for a mammalian profile")
        try check(batchCount >= 0, "batchCount", "must not be negative")
        try check(batchToBatchVariation >= 0 && batchToBatchVariation < 1, "batchToBatchVariation", "must be in [0, 1)")
        let o = operating
        try check(o.duration > 0 && o.duration <= 2_000, "operating.duration", "must be in (0, 2000] h")
        try range(o.temperature, "operating.temperature", 25, 42)
        try range(o.pH, "operating.pH", 6.0, 8.0)
        try range(o.dissolvedOxygen, "operating.dissolvedOxygen", 0, 100)
        try range(o.feedStart, "operating.feedStart", 0, o.duration)
        try range(o.feedRate, "operating.feedRate", 0, 1_000)
        try range(o.feedRamp, "operating.feedRamp", -10, 10)
        try range(o.feedGlucose, "operating.feedGlucose", 0, 800)
        try range(o.feedGlutamine, "operating.feedGlutamine", 0, 40)
        try range(o.initialCells, "operating.initialCells", 1e-3, 100)
        try range(o.initialGlucose, "operating.initialGlucose", 0, 50)
        try range(o.initialGlutamine, "operating.initialGlutamine", 0, 10)
        try range(o.initialLactate, "operating.initialLactate", 0, 20)
        try range(o.initialAmmonia, "operating.initialAmmonia", 0, 2)
        try range(o.initialVolume, "operating.initialVolume", 1e-3, 1e6)
        for (name, v) in cellLine.named {
            try check(v > 0 && v < 10, "cellLine.\(name)", "multiplier must be in (0, 10)")
        }
        let n = sensors
        for (name, v) in [("temperatureNoise", n.temperatureNoise), ("pHNoise", n.pHNoise), ("dissolvedOxygenNoise", n.dissolvedOxygenNoise),
                          ("volumeNoise", n.volumeNoise), ("flowNoise", n.flowNoise), ("cellCountCV", n.cellCountCV),
                          ("assayCV", n.assayCV), ("assayFloor", n.assayFloor), ("titreCV", n.titreCV)] {
            try check(v >= 0 && v.isFinite, "sensors.\(name)", "must be a non-negative number")
        }
        for (name, v) in [("temperatureBias", n.temperatureBias), ("pHBias", n.pHBias)] {
            try check(v.isFinite, "sensors.\(name)", "must be a finite number")
        }
        let l = logging
        try check(l.onlineInterval > 0 && l.onlineInterval <= o.duration, "logging.onlineInterval", "must be in (0, duration]")
        try check(l.offlineInterval >= l.onlineInterval, "logging.offlineInterval", "must be at least the online interval")
        try check(l.sampleVolume >= 0 && l.sampleVolume.isFinite, "logging.sampleVolume", "must not be negative")
        try check(l.sampleVolume < o.initialVolume.low / 10, "logging.sampleVolume", "must be under a tenth of the initial volume")
        try check(l.relativeTolerance > 0 && l.absoluteTolerance > 0, "logging.relativeTolerance", "tolerances must be positive")
    }
}
