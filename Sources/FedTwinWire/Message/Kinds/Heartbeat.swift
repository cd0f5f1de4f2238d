/// Keeps a busy peer from being taken for dead.
public struct Heartbeat: Sendable, Equatable, Codable {
    /// What the sender is doing ("idle", "training", "evaluating").
    public var state: String

    public init(state: String) { self.state = state }
}
