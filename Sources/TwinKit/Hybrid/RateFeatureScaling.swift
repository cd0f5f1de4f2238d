import Foundation

/// Fixed scaling of network inputs: (X, log₁₀ S, P, T, pH) → roughly [−1, 1].
///
/// The constants are part of the component definition, not estimated from local data:
/// federated averaging adds weights element-wise, which is only meaningful when every
/// site feeds its network identically scaled inputs. Substrate enters on a log scale
/// because it spans four decades (15 g/L at inoculation, ~0.05 g/L when fed).
public struct RateFeatureScaling: Sendable, Equatable, Codable {
    public var biomassCentre = 8.0, biomassScale = 6.0
    public var logSubstrateCentre = -1.0, logSubstrateScale = 1.5
    /// Floor added to S before the logarithm (g/L).
    public var substrateFloor = 1e-3
    public var productCentre = 0.7, productScale = 0.6
    public var temperatureCentre = 26.0, temperatureScale = 2.0
    public var pHCentre = 5.2, pHScale = 0.3

    public init() {}

    /// Number of features.
    public static let count = 5

    /// Feature vector of a state under given conditions.
    @inline(__always)
    public func features(biomass x: Double, substrate s: Double, product p: Double, temperature: Double, pH: Double) -> [Double] {
        [
            (x - biomassCentre) / biomassScale,
            (Foundation.log10(max(s, 0) + substrateFloor) - logSubstrateCentre) / logSubstrateScale,
            (p - productCentre) / productScale,
            (temperature - temperatureCentre) / temperatureScale,
            (pH - pHCentre) / pHScale,
        ]
    }
}
