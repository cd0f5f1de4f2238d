/// State of a fed-batch reactor: concentrations in the broth and its volume.
public struct ReactorState: Sendable, Equatable, Codable {
    /// Biomass X (g/L).
    public var biomass: Double
    /// Substrate S (g/L).
    public var substrate: Double
    /// Product P, the titre (g/L).
    public var product: Double
    /// Broth volume V (L).
    public var volume: Double

    public init(biomass: Double, substrate: Double, product: Double, volume: Double) {
        self.biomass = biomass
        self.substrate = substrate
        self.product = product
        self.volume = volume
    }

    /// `(X, S, P, V)` as a SIMD vector, the integrator's representation.
    public var vector: SIMD4<Double> { SIMD4(biomass, substrate, product, volume) }

    /// Inverse of ``vector``.
    public init(_ v: SIMD4<Double>) {
        self.init(biomass: v[0], substrate: v[1], product: v[2], volume: v[3])
    }
}
