/// A column mapped to a named variable with its unit.
///
/// Any name a component may use (`glucose`, `lactate`, `viable_cells`, …) is kept under
/// that name. The names the built-in models read are `biomass`, `substrate`, `product`
/// (or `titre`), `volume`, `temperature`, `pH` and `dissolved_oxygen`; their units must be
/// of the right kind (a concentration for biomass, a volume for volume, …).
public struct VariableSpec: Sendable, Equatable, Codable {
    public var name: String
    public var column: String
    public var unit: String
    /// The data file (its `path` as in `files`) holding the column; needed only when
    /// several files have a column of this name.
    public var file: String?
    /// g/mol, for concentrations in mmol/L or mol/L.
    public var molarMass: Double?
    /// mg/L at 100 % saturation, for dissolved oxygen in mg/L.
    public var saturation: Double?
    /// Volume only: the logged volume is a recorded input, so open-loop evaluation follows
    /// the plant's volume instead of integrating its own.
    public var recordedInput: Bool?

    public init(name: String, column: String, unit: String, file: String? = nil, molarMass: Double? = nil,
                saturation: Double? = nil, recordedInput: Bool? = nil) {
        self.name = name
        self.column = column
        self.unit = unit
        self.file = file
        self.molarMass = molarMass
        self.saturation = saturation
        self.recordedInput = recordedInput
    }
}
