import Foundation

/// Evaporative volume loss, PenSim form: F_loss = V·λ·(e^{5(T−T₀)/(T_v−T₀)} − 1).
///
/// Evaporation removes water but no solutes, so it concentrates X, S and P; it is small
/// (≈0.06 %/h at 25 °C) but over a 200 h batch it is a few litres.
public struct EvaporationModel: Sendable, Equatable, Codable {
    /// λ (1/h).
    public var coefficient: Double = 2.5e-4
    /// T₀ (°C).
    public var referenceTemperature: Double = 0
    /// T_v (°C).
    public var boilingTemperature: Double = 100

    public init(coefficient: Double = 2.5e-4, referenceTemperature: Double = 0, boilingTemperature: Double = 100) {
        self.coefficient = coefficient
        self.referenceTemperature = referenceTemperature
        self.boilingTemperature = boilingTemperature
    }

    /// PenSim values.
    public static let nominal = EvaporationModel()
    /// No evaporation (closed vessel; used by balance tests).
    public static let none = EvaporationModel(coefficient: 0)

    /// Volume lost per hour (L/h).
    public func rate(volume: Double, temperature: Double) -> Double {
        let x = 5 * (temperature - referenceTemperature) / (boilingTemperature - referenceTemperature)
        return volume * coefficient * (Foundation.exp(x) - 1)
    }
}
