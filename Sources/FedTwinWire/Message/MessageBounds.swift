/// Bounds on every free-form string and list in a header (PROTOCOL.md §3, "Bounds").
///
/// A header is already capped in bytes (`FrameLimits.maxHeaderLength`), but what a
/// receiver copies out of it — metrics into a signed manifest, names into the audit log —
/// must be bounded on its own: 40,000 metric names once made a 1.84 MB manifest. The codec
/// checks these after the signature (§2 step 6) and on encoding; a refusal is
/// `limit-exceeded` naming the field, or `malformed-frame` for a metric name outside the
/// allowed characters.
public enum MessageBounds {
    /// Most entries in a `metrics` object (update, evaluation).
    public static let maxMetrics = 64
    /// Longest metric name, in UTF-8 bytes; names are 1…64 of `A–Z a–z 0–9 _ . - : /`.
    public static let maxMetricNameBytes = 64
    /// Longest short text field (`hello.site`, `hello.software`, `welcome.software`,
    /// `component`, `heartbeat.state`, `updateEncoding`, entries of the `hello` lists).
    public static let maxTextBytes = 256
    /// Longest `reason` of a `reject` or `bye`. Encoders cut longer reasons (at a character
    /// boundary) rather than fail.
    public static let maxReasonBytes = 4096
    /// Longest id-like field (`session`, `challenge`, content ids): 128 bytes.
    public static let maxIDBytes = 128
    /// Most entries in each `hello` list (`protocolVersions`, `encodings`, `compression`).
    public static let maxListEntries = 16
    /// Most `recipients` of one multi-addressed frame.
    public static let maxRecipients = 1 << 16

    /// Most local epochs a task may ask for.
    public static let maxEpochs = 100_000
    /// Largest minibatch a task may ask for.
    public static let maxBatchSize = 1 << 24
    /// Heartbeat interval a welcome may announce, in seconds (a zero interval would make the
    /// site send heartbeats without pause; a huge one would let its connection time out).
    public static let heartbeatSecondsRange = 0.01...3600.0

    static func integer(_ value: Int, _ field: String, _ range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw FrameError(.limitExceeded(field: field, value: value, limit: value < range.lowerBound ? range.lowerBound : range.upperBound))
        }
    }

    static func number(_ value: Double, _ field: String, _ ok: Bool, _ expected: String) throws {
        guard value.isFinite, ok else { throw FrameError(.malformedHeader("\(field) must be \(expected), got \(value)")) }
    }

    static func text(_ value: String, _ field: String, limit: Int = maxTextBytes) throws {
        let count = value.utf8.count
        if count > limit { throw FrameError(.limitExceeded(field: field, value: count, limit: limit)) }
    }

    static func list(_ count: Int, _ field: String, limit: Int = maxListEntries) throws {
        if count > limit { throw FrameError(.limitExceeded(field: field, value: count, limit: limit)) }
    }

    static func metrics(_ metrics: [String: Double], _ field: String) throws {
        try list(metrics.count, "\(field) entries", limit: maxMetrics)
        for name in metrics.keys {
            try text(name, "\(field) name length", limit: maxMetricNameBytes)
            guard isMetricName(name) else {
                throw FrameError(.malformedHeader("\(field) name \(name.debugDescription) must be 1…\(maxMetricNameBytes) of A–Z a–z 0–9 _ . - : /"))
            }
        }
    }

    /// A metric name of the safe set (no control, space or look-alike characters).
    public static func isMetricName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= maxMetricNameBytes && name.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "_") || b == UInt8(ascii: ".") || b == UInt8(ascii: "-") || b == UInt8(ascii: ":") || b == UInt8(ascii: "/")
        }
    }

    /// `reason` cut to `maxReasonBytes` at a character boundary.
    public static func clipReason(_ reason: String) -> String {
        guard reason.utf8.count > maxReasonBytes else { return reason }
        var out = ""
        var used = 0
        for character in reason {
            let size = character.utf8.count
            if used + size > maxReasonBytes - 3 { break }
            out.append(character)
            used += size
        }
        return out + "..."
    }
}

extension Message {
    /// Checks the kind's strings and lists against `MessageBounds`.
    func checkBounds() throws {
        let id = MessageBounds.maxIDBytes
        switch self {
        case .hello(let m):
            try MessageBounds.text(m.site, "hello.site")
            try MessageBounds.text(m.software, "hello.software")
            try MessageBounds.list(m.protocolVersions.count, "hello.protocolVersions entries")
            try MessageBounds.list(m.encodings.count, "hello.encodings entries")
            try MessageBounds.list(m.compression.count, "hello.compression entries")
            for e in m.encodings + m.compression { try MessageBounds.text(e, "hello list entry") }
        case .welcome(let m):
            try MessageBounds.integer(m.currentVersion, "welcome.currentVersion", 0...Int.max)
            try MessageBounds.number(m.heartbeatSeconds, "welcome.heartbeatSeconds", MessageBounds.heartbeatSecondsRange.contains(m.heartbeatSeconds),
                                     "within \(MessageBounds.heartbeatSecondsRange) seconds")
            try MessageBounds.text(m.component, "welcome.component")
            try MessageBounds.text(m.software, "welcome.software")
            try MessageBounds.text(m.currentVersionID ?? "", "welcome.currentVersionID", limit: id)
            try MessageBounds.text(m.coordinatorKey, "welcome.coordinatorKey", limit: id)
            try MessageBounds.text(m.componentSpecHash ?? "", "welcome.componentSpecHash", limit: id)
        case .task(let m):
            // Settings a site trains with: bounded so that a task cannot trap or hang it.
            try MessageBounds.integer(m.baseVersion, "task.baseVersion", 0...Int.max)
            try MessageBounds.integer(m.training.epochs, "task.training.epochs", 1...MessageBounds.maxEpochs)
            try MessageBounds.integer(m.training.batchSize, "task.training.batchSize", 1...MessageBounds.maxBatchSize)
            try MessageBounds.number(m.training.learningRate, "task.training.learningRate", m.training.learningRate > 0, "finite and > 0")
            try MessageBounds.number(m.training.proximalMu, "task.training.proximalMu", m.training.proximalMu >= 0, "finite and ≥ 0")
            try MessageBounds.number(m.deadlineSeconds, "task.deadlineSeconds", m.deadlineSeconds > 0, "finite and > 0")
            try MessageBounds.integer(m.updateBlockSize, "task.updateBlockSize", 1...65536)
            if let level = m.updateCompressionLevel { try MessageBounds.integer(level, "task.updateCompressionLevel", 0...9) }
            try MessageBounds.text(m.baseVersionID, "task.baseVersionID", limit: id)
            try MessageBounds.text(m.parametersID, "task.parametersID", limit: id)
            try MessageBounds.text(m.component, "task.component")
            try MessageBounds.text(m.updateEncoding, "task.updateEncoding")
        case .update(let m):
            try MessageBounds.text(m.baseVersionID, "update.baseVersionID", limit: id)
            try MessageBounds.metrics(m.metrics, "update.metrics")
        case .evaluate(let m):
            try MessageBounds.integer(m.version, "evaluate.version", 0...Int.max)
            try MessageBounds.text(m.versionID, "evaluate.versionID", limit: id)
            try MessageBounds.text(m.parametersID, "evaluate.parametersID", limit: id)
        case .evaluation(let m):
            try MessageBounds.text(m.versionID, "evaluation.versionID", limit: id)
            try MessageBounds.metrics(m.metrics, "evaluation.metrics")
        case .ack(let m):
            try MessageBounds.text(m.storedID ?? "", "ack.storedID", limit: id)
        case .reject(let m):
            try MessageBounds.text(m.code.rawValue, "reject.code")
            try MessageBounds.text(m.reason, "reject.reason", limit: MessageBounds.maxReasonBytes)
        case .heartbeat(let m):
            try MessageBounds.text(m.state, "heartbeat.state")
        case .bye(let m):
            try MessageBounds.text(m.reason, "bye.reason", limit: MessageBounds.maxReasonBytes)
        }
    }
}

extension Envelope {
    func checkBounds() throws {
        try MessageBounds.text(session, "session", limit: MessageBounds.maxIDBytes)
        try MessageBounds.text(challenge, "challenge", limit: MessageBounds.maxIDBytes)
        if let recipients {
            try MessageBounds.list(recipients.count, "recipients entries", limit: MessageBounds.maxRecipients)
            for r in recipients { try MessageBounds.text(r.session, "recipients session", limit: MessageBounds.maxIDBytes) }
        }
    }
}
