import FedTwinRegistry
import FedTwinWire

/// The coordinator's phase: an explicit state machine (docs/architecture.md draws it).
enum Phase: Sendable {
    /// Before the first round, or between rounds while fewer than `minSites` are connected.
    case waitingForQuorum(round: Int)
    /// Tasks sent; collecting updates until all selected sites answered or dropped, or the deadline.
    case training(RoundState)
    /// A version was committed; collecting the sites' evaluations of it.
    case evaluating(EvaluationState)
    /// Aggregating and committing (no updates accepted).
    case committing(round: Int)
    case stopping
    case finished
}

/// One round in progress.
struct RoundState: Sendable {
    let round: Int
    let base: StoredVersion
    let selected: Set<String>
    var accepted: [String: PendingContribution] = [:]
    var dropped: Set<String> = []
    /// Selected sites whose update was refused on its content (base, schema, samples,
    /// norm). A site does not resend after a refusal, so it has answered: waiting for it
    /// until the deadline would only slow every honest site down.
    var refused: Set<String> = []
    /// The seq of the round's task frame in each selected session (a site's `reject` of
    /// it names this seq as `refSeq`).
    var taskSeq: [String: UInt64] = [:]
    var bytesIn = 0
    /// The round's task and its encoded global model, for a site that opens a new session
    /// during the round (`RoundMachine.sessionOpened`).
    var task: (message: TrainingTask, payload: TensorPayload)?
    /// Set at the deadline: from then on nothing is handed over to a new session.
    var deadlinePassed = false
    /// Tensor elements of the decoded updates held in `accepted` for aggregation.
    var heldElements = 0
    let started: ContinuousClock.Instant

    /// At most 32 M decoded elements (256 MiB as binary64) are held per round; updates
    /// beyond it are aggregated from the store.
    static let heldElementBudget = 32 << 20

    /// Selected sites the round still waits for: no update accepted, not refused, not gone
    /// (at the deadline every one of them is counted as dropped), in name order.
    var awaited: [String] { selected.filter { accepted[$0] == nil && !dropped.contains($0) && !refused.contains($0) }.sorted() }

    var isComplete: Bool { selected.allSatisfy { accepted[$0] != nil || dropped.contains($0) || refused.contains($0) } }
}

/// Evaluation of a freshly committed version in progress.
struct EvaluationState: Sendable {
    let version: StoredVersion
    let asked: Set<String>
    var results: [String: SiteEvaluation] = [:]
    /// Sites gone, or that refused the evaluate frame: no evaluation will come from them.
    var dropped: Set<String> = []
    /// Asked sites whose evaluation was refused on its numbers: answered, like `RoundState.refused`.
    var refused: Set<String> = []
    /// What was asked and the version's encoded parameters, for a site that opens a new
    /// session while its evaluation is outstanding.
    var request: (message: Evaluate, payload: TensorPayload)?
    var deadlinePassed = false
    /// The seq of the evaluate frame in each asked session.
    var frameSeq: [String: UInt64] = [:]

    /// Asked sites the evaluation still waits for, in name order (the deadline counts the
    /// rest as dropped).
    var awaited: [String] { asked.filter { results[$0] == nil && !dropped.contains($0) && !refused.contains($0) }.sorted() }

    var isComplete: Bool { asked.allSatisfy { results[$0] != nil || dropped.contains($0) || refused.contains($0) } }
}
