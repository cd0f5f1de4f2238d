/// A logged flow (feed, withdrawal, sampling, discharge, evaporation): a volume flow
/// (L/h, mL/min, m³/h, …) or a mass flow (kg/h, g/min, …) with a density.
public struct FlowSpec: Sendable, Equatable, Codable {
    /// How the plant signs the flow. Without a declaration a negative value is refused,
    /// since a flow that changes direction silently ruins every balance.
    public enum Sign: String, Sendable, Codable {
        /// Logged as ≥ 0; a negative value is refused.
        case positive
        /// Logged as ≤ 0 (outflows written negative); the magnitude is used and a positive
        /// value is refused.
        case negative
    }

    public var name: String?
    public var column: String
    public var unit: String
    /// The data file holding the column, when several have one of this name.
    public var file: String?
    public var sign: Sign?
    /// Required for a mass flow: the density of what flows (a column or a constant).
    public var density: QuantitySpec?

    public init(name: String? = nil, column: String, unit: String, file: String? = nil, sign: Sign? = nil, density: QuantitySpec? = nil) {
        self.name = name
        self.column = column
        self.unit = unit
        self.file = file
        self.sign = sign
        self.density = density
    }
}

/// A value given by a column or as a constant, with a unit.
public struct QuantitySpec: Sendable, Equatable, Codable {
    public var column: String?
    public var value: Double?
    public var unit: String
    public var file: String?
    /// g/mol, for concentrations in mmol/L or mol/L.
    public var molarMass: Double?

    public init(column: String? = nil, value: Double? = nil, unit: String, file: String? = nil, molarMass: Double? = nil) {
        self.column = column
        self.value = value
        self.unit = unit
        self.file = file
        self.molarMass = molarMass
    }
}
