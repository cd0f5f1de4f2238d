/// A feed line: its flow and, separately, the substances it carries.
///
/// `addsVolume: false` describes additions that carry substance but whose volume is
/// negligible or logged elsewhere (an oil feed, a solid shot): their flow counts in the
/// substance balance only.
public struct FeedSpec: Sendable, Equatable, Codable {
    public var name: String?
    public var flow: FlowSpec
    public var carries: [CarriedSubstance]?
    /// Default true.
    public var addsVolume: Bool?

    public init(name: String? = nil, flow: FlowSpec, carries: [CarriedSubstance]? = nil, addsVolume: Bool? = nil) {
        self.name = name
        self.flow = flow
        self.carries = carries
        self.addsVolume = addsVolume
    }
}

/// A substance a feed carries, at a concentration (column or constant). The built-in
/// models read the substance `substrate`.
public struct CarriedSubstance: Sendable, Equatable, Codable {
    public var substance: String
    public var column: String?
    public var value: Double?
    public var unit: String
    public var file: String?
    public var molarMass: Double?

    public init(substance: String, column: String? = nil, value: Double? = nil, unit: String, file: String? = nil, molarMass: Double? = nil) {
        self.substance = substance
        self.column = column
        self.value = value
        self.unit = unit
        self.file = file
        self.molarMass = molarMass
    }

    var quantity: QuantitySpec { QuantitySpec(column: column, value: value, unit: unit, file: file, molarMass: molarMass) }
}
