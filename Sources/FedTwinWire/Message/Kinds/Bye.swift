/// Ends a session cleanly.
public struct Bye: Sendable, Equatable, Codable {
    public var reason: String

    public init(reason: String) { self.reason = MessageBounds.clipReason(reason) }
}
