/// Every message kind of the protocol as one typed value.
///
/// Only these types can be put on the wire: they carry parameters, metrics and control
/// data, and there is no case for batch records.
public enum Message: Sendable, Equatable {
    case hello(Hello)
    case welcome(Welcome)
    case task(TrainingTask)
    case update(Update)
    case evaluate(Evaluate)
    case evaluation(Evaluation)
    case ack(Ack)
    case reject(Reject)
    case heartbeat(Heartbeat)
    case bye(Bye)

    public var type: MessageType {
        switch self {
        case .hello: return .hello
        case .welcome: return .welcome
        case .task: return .task
        case .update: return .update
        case .evaluate: return .evaluate
        case .evaluation: return .evaluation
        case .ack: return .ack
        case .reject: return .reject
        case .heartbeat: return .heartbeat
        case .bye: return .bye
        }
    }
}

extension MessageType {
    /// Whether frames of this type carry a tensor payload (and must), or never do.
    public var carriesPayload: Bool {
        switch self {
        case .task, .update, .evaluate: return true
        default: return false
        }
    }
}
