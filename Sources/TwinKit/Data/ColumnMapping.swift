/// Maps CSV columns to process roles, with units.
///
/// This is what lets a site use a historian export or another simulator's output unchanged:
/// only this JSON is edited, never the data. Unmapped roles are simply absent.
public struct ColumnMapping: Sendable, Equatable, Codable {
    public var batchID: String
    public var time: ColumnRef
    public var biomass: ColumnRef?
    public var substrate: ColumnRef?
    public var product: ColumnRef?
    public var volume: ColumnRef?
    public var temperature: ColumnRef?
    public var pH: ColumnRef?
    public var dissolvedOxygen: ColumnRef?
    public var feeds: [FeedMapping]
    public var withdrawals: [ColumnRef]

    public init(batchID: String, time: ColumnRef, biomass: ColumnRef? = nil, substrate: ColumnRef? = nil,
                product: ColumnRef? = nil, volume: ColumnRef? = nil, temperature: ColumnRef? = nil,
                pH: ColumnRef? = nil, dissolvedOxygen: ColumnRef? = nil, feeds: [FeedMapping] = [], withdrawals: [ColumnRef] = []) {
        self.batchID = batchID
        self.time = time
        self.biomass = biomass
        self.substrate = substrate
        self.product = product
        self.volume = volume
        self.temperature = temperature
        self.pH = pH
        self.dissolvedOxygen = dissolvedOxygen
        self.feeds = feeds
        self.withdrawals = withdrawals
    }

    /// Column layout written by TwinKit's simulator.
    public static let simulatorDefault = ColumnMapping(
        batchID: "batch",
        time: ColumnRef("time_h", unit: "h"),
        biomass: ColumnRef("X_g_per_L", unit: "g/L"),
        substrate: ColumnRef("S_g_per_L", unit: "g/L"),
        product: ColumnRef("P_g_per_L", unit: "g/L"),
        volume: ColumnRef("V_L", unit: "L"),
        temperature: ColumnRef("T_C", unit: "C"),
        pH: ColumnRef("pH", unit: "pH"),
        feeds: [FeedMapping(rate: ColumnRef("F_L_per_h", unit: "L/h"), concentration: ColumnRef("Sf_g_per_L", unit: "g/L"))],
        withdrawals: [ColumnRef("W_L_per_h", unit: "L/h")])
}

extension ColumnMapping {
    /// Decoding tolerates absent optional keys and absent `feeds` / `withdrawals` arrays,
    /// so hand-written configs only list what they have.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        batchID = try c.decode(String.self, forKey: .batchID)
        time = try c.decode(ColumnRef.self, forKey: .time)
        biomass = try c.decodeIfPresent(ColumnRef.self, forKey: .biomass)
        substrate = try c.decodeIfPresent(ColumnRef.self, forKey: .substrate)
        product = try c.decodeIfPresent(ColumnRef.self, forKey: .product)
        volume = try c.decodeIfPresent(ColumnRef.self, forKey: .volume)
        temperature = try c.decodeIfPresent(ColumnRef.self, forKey: .temperature)
        pH = try c.decodeIfPresent(ColumnRef.self, forKey: .pH)
        dissolvedOxygen = try c.decodeIfPresent(ColumnRef.self, forKey: .dissolvedOxygen)
        feeds = try c.decodeIfPresent([FeedMapping].self, forKey: .feeds) ?? []
        withdrawals = try c.decodeIfPresent([ColumnRef].self, forKey: .withdrawals) ?? []
    }
}

extension ColumnMapping {
    /// The same layout as a one-file data config: each role becomes the variable of its
    /// name, each feed a flow carrying `substrate`. Flows keep no declared sign, so a
    /// negative one is refused.
    public func dataConfig(path: String, heldOutFraction: Double, splitSeed: UInt64, sign: FlowSpec.Sign? = nil) -> SiteDataConfig {
        let roles: [(String, ColumnRef?)] = [
            ("biomass", biomass), ("substrate", substrate), ("product", product), ("volume", volume),
            ("temperature", temperature), ("pH", pH), ("dissolved_oxygen", dissolvedOxygen),
        ]
        let variables = roles.compactMap { name, ref in ref.map { VariableSpec(name: name, column: $0.column, unit: $0.unit) } }
        let feedSpecs = feeds.map { feed in
            let carried: CarriedSubstance
            if let c = feed.concentration {
                carried = CarriedSubstance(substance: "substrate", column: c.column, unit: c.unit)
            } else {
                carried = CarriedSubstance(substance: "substrate", value: feed.fixedConcentration ?? 0, unit: feed.fixedConcentrationUnit ?? "g/L")
            }
            return FeedSpec(flow: FlowSpec(column: feed.rate.column, unit: feed.rate.unit, sign: sign), carries: [carried])
        }
        return SiteDataConfig(
            files: [DataFileSpec(path: path, batchColumn: batchID, time: TimeSpec(column: time.column, unit: time.unit))],
            variables: variables, feeds: feedSpecs,
            withdrawals: withdrawals.map { FlowSpec(column: $0.column, unit: $0.unit, sign: sign) },
            heldOutFraction: heldOutFraction, splitSeed: splitSeed)
    }
}
