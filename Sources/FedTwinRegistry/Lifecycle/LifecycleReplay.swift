/// The lifecycle rules, applied to signature records in sequence order. Signing checks a
/// new record with `apply` before writing it; `models verify` replays every stored one, so
/// enforcement and verification are the same code.
struct LifecycleReplay {
    /// Versions whose validation record passed (and names the version's id).
    var validated: Set<Int>
    private(set) var approvals: [Int: SignatureRecord] = [:]
    /// Channel → the version released in it now.
    private(set) var released: [String: Int] = [:]
    private(set) var everReleased: [Int: String] = [:]
    private(set) var retired: Set<Int> = []

    init(validated: Set<Int>) { self.validated = validated }

    /// Applies one record, or throws the rule it breaks (nothing applied then).
    mutating func apply(_ r: SignatureRecord) throws {
        guard r.subject == .version else { return }
        let v = r.number
        if retired.contains(v), r.meaning != .authored, r.meaning != .reviewed {
            throw LifecycleError(.notAllowed, "version \(v) is retired")
        }
        switch r.meaning {
        case .authored, .reviewed:
            return
        case .approved:
            guard validated.contains(v) else { throw LifecycleError(.notValidated, "version \(v) has not passed its validation plan") }
            guard approvals[v] == nil else { throw LifecycleError(.notAllowed, "version \(v) is already approved") }
            approvals[v] = r
        case .released:
            guard let approval = approvals[v] else { throw LifecycleError(.notApproved, "version \(v) is not approved") }
            guard approval.person != r.person else {
                throw LifecycleError(.sameAsApprover, "\(r.person) approved version \(v); another person must release it")
            }
            let channel = r.channel ?? "production"
            guard released[channel] != v else { throw LifecycleError(.notAllowed, "version \(v) is already released in \(channel)") }
            released[channel] = v
            everReleased[v] = channel
        case .retired:
            retired.insert(v)
            for (channel, version) in released where version == v { released[channel] = nil }
        }
    }

    func state(of v: Int) -> LifecycleState {
        if retired.contains(v) { return .retired }
        if let channel = released.first(where: { $0.value == v })?.key { return .released(channel: channel) }
        if let channel = everReleased[v] { return .superseded(channel: channel) }
        if approvals[v] != nil { return .approved }
        if validated.contains(v) { return .validated }
        return .candidate
    }
}
