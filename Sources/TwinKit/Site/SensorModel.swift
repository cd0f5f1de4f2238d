/// How a site's instruments and lab distort the truth.
///
/// Biases are per site (a mis-calibrated probe shifts every batch the same way), which is
/// one of the realistic ways federated data are non-IID.
public struct SensorModel: Sendable, Equatable, Codable {
    /// Temperature probe offset (°C) and white noise (°C, sd).
    public var temperatureBias: Double
    public var temperatureNoise: Double
    /// pH probe offset and noise (sd).
    public var pHBias: Double
    public var pHNoise: Double
    /// Volume (load cell) noise, L sd.
    public var volumeNoise: Double
    /// Relative noise of the logged feed flow.
    public var flowNoise: Double
    /// Relative noise (CV) of offline X, S, P assays.
    public var assayCV: Double
    /// Absolute noise floor of the substrate assay (g/L sd), which dominates at low S.
    public var substrateFloor: Double

    public init(temperatureBias: Double = 0, temperatureNoise: Double = 0.05, pHBias: Double = 0, pHNoise: Double = 0.01,
                volumeNoise: Double = 0.2, flowNoise: Double = 0.01, assayCV: Double = 0.03, substrateFloor: Double = 0.003) {
        self.temperatureBias = temperatureBias
        self.temperatureNoise = temperatureNoise
        self.pHBias = pHBias
        self.pHNoise = pHNoise
        self.volumeNoise = volumeNoise
        self.flowNoise = flowNoise
        self.assayCV = assayCV
        self.substrateFloor = substrateFloor
    }
}
