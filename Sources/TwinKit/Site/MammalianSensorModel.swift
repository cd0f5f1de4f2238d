/// How a mammalian site's probes, cell counter and analysers distort the truth.
///
/// Like ``SensorModel``: per-site probe biases (the same every batch) and white noise on
/// online values; offline values carry a relative CV (cell counts are noisier than
/// metabolite analysers) and metabolites an absolute floor that dominates near zero.
public struct MammalianSensorModel: Sendable, Equatable, Codable {
    public var temperatureBias: Double
    public var temperatureNoise: Double
    public var pHBias: Double
    public var pHNoise: Double
    /// Dissolved-oxygen probe noise (% saturation, sd).
    public var dissolvedOxygenNoise: Double
    /// Volume (load cell) noise, L sd.
    public var volumeNoise: Double
    /// Relative noise of the logged feed flow.
    public var flowNoise: Double
    /// Relative noise (CV) of the viable cell count.
    public var cellCountCV: Double
    /// Relative noise (CV) of glucose, glutamine, lactate and ammonia.
    public var assayCV: Double
    /// Absolute noise floor of the metabolite assays (g/L sd).
    public var assayFloor: Double
    /// Relative noise (CV) of the titre assay.
    public var titreCV: Double

    public init(temperatureBias: Double = 0, temperatureNoise: Double = 0.05, pHBias: Double = 0, pHNoise: Double = 0.01,
                dissolvedOxygenNoise: Double = 1, volumeNoise: Double = 0.01, flowNoise: Double = 0.01,
                cellCountCV: Double = 0.06, assayCV: Double = 0.03, assayFloor: Double = 0.002, titreCV: Double = 0.04) {
        self.temperatureBias = temperatureBias
        self.temperatureNoise = temperatureNoise
        self.pHBias = pHBias
        self.pHNoise = pHNoise
        self.dissolvedOxygenNoise = dissolvedOxygenNoise
        self.volumeNoise = volumeNoise
        self.flowNoise = flowNoise
        self.cellCountCV = cellCountCV
        self.assayCV = assayCV
        self.assayFloor = assayFloor
        self.titreCV = titreCV
    }

    /// No noise and no bias (truth records).
    public static let exact = MammalianSensorModel(temperatureNoise: 0, pHNoise: 0, dissolvedOxygenNoise: 0, volumeNoise: 0,
                                                   flowNoise: 0, cellCountCV: 0, assayCV: 0, assayFloor: 0, titreCV: 0)
}
