import FedTwinRegistry
import Foundation

/// The store degrades, it does not stop the federation: a write that fails for a reason an
/// operator can fix (the file system is full, the audit tail is damaged) pauses the round
/// loop with a message that says what to do, and the loop retries until the store takes
/// the write again. Other store errors still stop the coordinator: they mean the store is
/// not what it claims to be.
extension Coordinator {
    /// Runs `body` (one store write of the round loop), waiting out failures an operator
    /// can fix: the first one is reported (log, `storePaused` event) and `body` is retried
    /// every `storeRetryInterval`; when it succeeds, `storeResumed` is reported and both are
    /// audited. Returns nil if a stop was requested while paused.
    func whileStoreUnavailable<T>(_ what: String, _ body: () throws -> T) async throws -> T? {
        var pausedAt: ContinuousClock.Instant?
        var lastError: RegistryError?
        while true {
            do {
                let result = try body()
                if let pausedAt, let lastError {
                    let seconds = (ContinuousClock.now - pausedAt).seconds
                    record(.storePaused, ["what": what, "code": lastError.code.rawValue, "reason": lastError.description])
                    record(.storeResumed, ["what": what, "paused-seconds": String(format: "%.1f", seconds)])
                    flushAudit()
                    onEvent(.storeResumed(what: what, pausedSeconds: seconds))
                    logger.notice("store writable again: round loop resumed", metadata: ["what": "\(what)", "paused-seconds": "\(seconds)"])
                }
                return result
            } catch let error as RegistryError where error.isRecoverableByOperator {
                if pausedAt == nil || lastError?.code != error.code {
                    onEvent(.storePaused(what: what, code: error.code.rawValue, reason: error.description, retrySeconds: storeRetryInterval.seconds))
                    logger.error("store unavailable: round loop paused", metadata: [
                        "what": "\(what)", "code": "\(error.code.rawValue)", "error": "\(error)", "store": "\(registry.storage.location)",
                        "action": "\(error.code == .noSpace ? "free space on the store's file system; the loop resumes by itself" : "follow the error's advice; the loop resumes by itself")",
                        "retry-seconds": "\(storeRetryInterval.seconds)"])
                }
                pausedAt = pausedAt ?? .now
                lastError = error
                guard await waitBeforeStoreRetry() else { return nil }
            }
        }
    }

    /// Sleeps one retry interval in short slices; false as soon as a stop is requested.
    func waitBeforeStoreRetry() async -> Bool {
        let until = ContinuousClock.now + storeRetryInterval
        while ContinuousClock.now < until {
            if stopRequested { return false }
            try? await Task.sleep(for: min(.milliseconds(100), until - .now))
        }
        return !stopRequested
    }

    /// Remembers a store failure seen outside the loop's own writes (an update or an
    /// evaluation that could not be stored, an audit flush), if it is one an operator can
    /// fix: the loop checks the store before it starts another round. On a full disk, where
    /// no further answer can be stored either, an open round or evaluation is also closed
    /// now, as at its deadline: the round commits what it has (pausing until it can) or is
    /// retried. A damaged audit tail does not stop updates from being stored, so the round
    /// runs on and its commit waits for the quarantine.
    func noteStoreFault(_ error: any Error) {
        guard let error = error as? RegistryError, error.isRecoverableByOperator else { return }
        storeFault = error
        guard error.code == .noSpace else { return }
        execute(machine.storeFull(code: error.code))
    }

    /// Bytes a round may write: every selected site's update and the new state, with room
    /// to spare (each value as f32). The free-space probe writes this much.
    var roundWriteEstimate: Int {
        (component.schema.parameterCount * 4 + 4096) * (max(sessions.count, config.minSites) + 2) + 65_536
    }

    /// After a paused commit resumes: the version an earlier attempt committed before its
    /// failure (the manifest was written, its audit entry was not), or nil.
    func committedByEarlierAttempt(round: Int, base: StoredVersion) throws -> StoredVersion? {
        guard try registry.versionNumbers().last == base.number + 1 else { return nil }
        let version = try registry.version(base.number + 1)
        guard version.manifest.parentID == base.id, version.manifest.round == round else { return nil }
        reportReconcile(try registry.reconcile(signer: key))
        return version
    }

    func reportReconcile(_ report: ReconcileReport) {
        if !report.rerecorded.isEmpty {
            logger.warning("re-recorded audit entries lost in a crash", metadata: ["versions": "\(report.rerecorded)"])
        }
        for reason in report.reasons {
            logger.warning("set aside a document a crash left incomplete (kept in quarantine/, audited)", metadata: ["what": "\(reason)"])
        }
    }
}
