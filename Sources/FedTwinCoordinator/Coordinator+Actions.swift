extension Coordinator {
    /// Executes what the round machine decided, in order: the actor owns the sessions, the
    /// audit buffer and the loop's continuation; `RoundMachine` owns every decision.
    func execute(_ actions: [RoundAction]) {
        for action in actions {
            switch action {
            case .refuse(let site, let code, let reason, let seq, let round):
                refuse(site, code, reason, seq: seq, round: round)
            case .audit(let event, let data):
                record(event, data)
            case .auditForSite(let site, let code, let event, let data):
                if admitSiteEntry(site, code: code) { record(event, data) }
            case .flushAudit:
                flushAudit()
            case .send(let site, let message, let round, let payload):
                send(message, to: site, round: round, payload: payload)
            case .report(let event):
                onEvent(event)
            case .wakeLoop:
                wake()
            }
        }
    }
}
