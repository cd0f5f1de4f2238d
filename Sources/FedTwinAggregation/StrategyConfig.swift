/// A strategy and its settings as an operator writes them in the coordinator config and as
/// every version manifest records them.
public struct StrategyConfig: Sendable, Codable, Hashable {
    /// "fedavg", "fedprox", or a server optimiser: "fedadam", "fedyogi", "fedadagrad",
    /// "fedavgm".
    public var name: String
    /// Numeric settings by name (see each strategy for the names it reads; `clip`, `trim`,
    /// `byzantine` and `select` belong to the combiner, see `DeltaCombination`).
    public var settings: [String: Double]
    /// How the sites' deltas are combined before the server step: "mean" (the default),
    /// "median", "trimmed-mean", "krum" or "multi-krum". Manifests written before robust
    /// aggregation existed have no such field and decode as "mean"; "mean" is not written,
    /// so such manifests (and plain-mean ones written now) encode exactly as before.
    public var combiner: String

    public init(name: String, settings: [String: Double] = [:], combiner: String = "mean") {
        self.name = name
        self.settings = settings
        self.combiner = combiner
    }

    enum CodingKeys: String, CodingKey {
        case name, settings, combiner
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        settings = try c.decode([String: Double].self, forKey: .settings)
        combiner = try c.decodeIfPresent(String.self, forKey: .combiner) ?? Combiner.mean.rawValue
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(settings, forKey: .settings)
        if combiner != Combiner.mean.rawValue { try c.encode(combiner, forKey: .combiner) }
    }

    /// Every strategy `makeStrategy` builds.
    public static let strategyNames = ["fedavg", "fedprox", "fedadam", "fedyogi", "fedadagrad", "fedavgm"]

    /// The strategy these settings describe, with defaults filled in: the server strategy,
    /// wrapped in a `RobustStrategy` when a robust combiner or clipping is configured.
    public func makeStrategy() throws -> any AggregationStrategy {
        let server: any AggregationStrategy
        switch name.lowercased() {
        case "fedavg": server = FedAvg()
        case "fedprox": server = try FedProx(settings: settings)
        case "fedadam": server = try FedAdam(settings: settings)
        case "fedyogi": server = try FedYogi(settings: settings)
        case "fedadagrad": server = try FedAdagrad(settings: settings)
        case "fedavgm": server = try FedAvgM(settings: settings)
        default:
            throw StrategyError(strategy: name, detail: "unknown strategy (known: \(Self.strategyNames.joined(separator: ", ")))")
        }
        let combination = try DeltaCombination(combiner: combiner, settings: settings, strategy: server.config.name)
        return combination.isPlainMean ? server : RobustStrategy(server: server, combination: combination)
    }
}

/// A strategy that cannot be built or applied, naming the strategy and the setting.
public struct StrategyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var strategy: String
    public var detail: String
    /// The offending key below the strategy, when there is one ("combiner", "settings.trim").
    public var setting: String?

    public init(strategy: String, detail: String, setting: String? = nil) {
        self.strategy = strategy
        self.detail = detail
        self.setting = setting
    }

    public var description: String { "strategy \(strategy): \(detail)" }
}
