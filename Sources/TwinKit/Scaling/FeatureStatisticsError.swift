/// Statistics that cannot be merged or turned into a scaling, with the reason.
public struct FeatureStatisticsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { "feature statistics: \(reason)" }
}
