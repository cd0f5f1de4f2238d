/// A strategy and its settings as an operator writes them in the coordinator config and as
/// every version manifest records them.
public struct StrategyConfig: Sendable, Codable, Hashable {
    /// "fedavg", "fedprox" or "fedadam".
    public var name: String
    /// Numeric settings by name (see each strategy for the names it reads).
    public var settings: [String: Double]

    public init(name: String, settings: [String: Double] = [:]) {
        self.name = name
        self.settings = settings
    }

    /// The strategy these settings describe, with defaults filled in.
    public func makeStrategy() throws -> any AggregationStrategy {
        switch name.lowercased() {
        case "fedavg": return FedAvg()
        case "fedprox": return try FedProx(settings: settings)
        case "fedadam": return try FedAdam(settings: settings)
        default:
            throw StrategyError(strategy: name, detail: "unknown strategy (known: fedavg, fedprox, fedadam)")
        }
    }
}

/// A strategy that cannot be built or applied, naming the strategy and the setting.
public struct StrategyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var strategy: String
    public var detail: String

    public init(strategy: String, detail: String) {
        self.strategy = strategy
        self.detail = detail
    }

    public var description: String { "strategy \(strategy): \(detail)" }
}
