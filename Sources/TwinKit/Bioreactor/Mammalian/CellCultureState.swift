/// State of a mammalian (CHO-type) fed-batch culture: broth concentrations and volume, in
/// the units the data configs and component specs name them (issue 12 contract).
public struct CellCultureState: Sendable, Equatable, Codable {
    /// Viable cell density Xv (10⁶ cells/mL), variable `viable-cells`.
    public var viableCells: Double
    /// Glucose (g/L).
    public var glucose: Double
    /// Glutamine (g/L).
    public var glutamine: Double
    /// Lactate (g/L).
    public var lactate: Double
    /// Ammonia (g/L).
    public var ammonia: Double
    /// Product titre (g/L).
    public var titre: Double
    /// Broth volume (L).
    public var volume: Double

    public init(viableCells: Double, glucose: Double, glutamine: Double, lactate: Double, ammonia: Double,
                titre: Double, volume: Double) {
        self.viableCells = viableCells
        self.glucose = glucose
        self.glutamine = glutamine
        self.lactate = lactate
        self.ammonia = ammonia
        self.titre = titre
        self.volume = volume
    }

    /// `(Xv, GLC, GLN, LAC, AMM, P, V, 0)`, the integrator's representation (the eighth lane
    /// is unused and stays 0).
    public var vector: SIMD8<Double> { SIMD8(viableCells, glucose, glutamine, lactate, ammonia, titre, volume, 0) }

    /// Inverse of ``vector``.
    public init(_ v: SIMD8<Double>) {
        self.init(viableCells: v[0], glucose: v[1], glutamine: v[2], lactate: v[3], ammonia: v[4], titre: v[5], volume: v[6])
    }
}
