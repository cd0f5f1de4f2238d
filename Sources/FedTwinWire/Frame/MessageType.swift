/// The message type byte of a frame (PROTOCOL.md §3).
public enum MessageType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case hello = 1
    case welcome = 2
    case task = 3
    case update = 4
    case evaluate = 5
    case evaluation = 6
    case ack = 7
    case reject = 8
    case heartbeat = 9
    case bye = 10

    public var description: String {
        switch self {
        case .hello: return "hello"
        case .welcome: return "welcome"
        case .task: return "task"
        case .update: return "update"
        case .evaluate: return "evaluate"
        case .evaluation: return "evaluation"
        case .ack: return "ack"
        case .reject: return "reject"
        case .heartbeat: return "heartbeat"
        case .bye: return "bye"
        }
    }
}
