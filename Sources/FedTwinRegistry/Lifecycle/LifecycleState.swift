/// Where a version stands, derived from its validation record and the signature records
/// (never stored): candidate → validated → approved → released → superseded / retired.
public enum LifecycleState: Sendable, Equatable, CustomStringConvertible {
    case candidate
    /// Its validation record under the plan says `passed`.
    case validated
    /// Approved by a person with the approving role.
    case approved
    /// The version currently released in the channel.
    case released(channel: String)
    /// Was released in the channel, and a later release replaced it.
    case superseded(channel: String)
    case retired

    public var description: String {
        switch self {
        case .candidate: return "candidate"
        case .validated: return "validated"
        case .approved: return "approved"
        case .released(let channel): return "released (\(channel))"
        case .superseded(let channel): return "superseded (\(channel))"
        case .retired: return "retired"
        }
    }
}

/// Which roles may sign with which meaning.
public enum LifecycleRoles {
    public static let approving = "qa"
    public static let releasing = "process-owner"

    /// Roles allowed to give `meaning`.
    public static func allowed(for meaning: SignatureRecord.Meaning) -> Set<String> {
        switch meaning {
        case .authored: return ["qa", "process-owner", "data-scientist"]
        case .reviewed: return ["qa", "process-owner"]
        case .approved: return [approving]
        case .released: return [releasing]
        case .retired: return ["qa", "process-owner"]
        }
    }
}
