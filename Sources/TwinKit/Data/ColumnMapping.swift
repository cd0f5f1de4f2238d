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
