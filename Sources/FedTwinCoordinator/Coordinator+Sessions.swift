import FedTwinAggregation
import FedTwinRegistry
import FedTwinTransport
import FedTwinWire
import Foundation
import Logging

extension Coordinator {
    /// Serves one connection: handshake, then frames until the site leaves. Decoding and
    /// signature checks happen here, outside the actor; state changes go through it.
    public nonisolated func serve(_ connection: any FrameConnection) async {
        let (outbound, continuation) = AsyncStream<[UInt8]>.makeStream()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await frame in outbound {
                    do {
                        try await connection.send(frame)
                    } catch {
                        break
                    }
                }
                await connection.close()
            }
            await self.readLoop(connection, outbound: continuation)
            continuation.finish()
            await group.waitForAll()
        }
        await connection.close()
    }

    nonisolated func readLoop(_ connection: any FrameConnection, outbound: AsyncStream<[UInt8]>.Continuation) async {
        var frames = connection.inbound.makeAsyncIterator()
        let first: [UInt8]
        do {
            guard let frame = try await frames.next() else { return }
            first = frame
        } catch let error as TransportError {
            // TLS failures, framing refusals and timeouts before any identity is known: the
            // peer gets no reject (no signed channel exists yet), but the audit log says why.
            await connectionRefused(error)
            return
        } catch {
            logger.info("connection failed before hello", metadata: ["peer": "\(connection.peer)", "error": "\(error)"])
            return
        }
        let tlsKey = await connection.peerKey()
        guard let session = await handshake(first, connection: connection, tlsKey: tlsKey, outbound: outbound) else { return }
        var cause = "connection closed"
        do {
            while let bytes = try await frames.next() {
                let outcome = self.verifyAndDecode(bytes, session: session)
                guard await accept(outcome, bytes: bytes, sessionID: session.id, site: session.site.name) else {
                    cause = "session ended"
                    break
                }
            }
        } catch let error as TransportError {
            // An oversized or truncated frame, a read timeout or a TLS failure mid-session.
            cause = "\(error)"
            logger.warning("connection refused in session", metadata: [
                "site": "\(session.site.name)", "stage": "\(error.stage)", "code": "\(error.reasonCode)", "reason": "\(error)"])
        } catch {
            cause = "\(error)"
        }
        await sessionEnded(site: session.site.name, sessionID: session.id, cause: cause)
    }

    /// Parses and verifies a frame from an authenticated site (outside the actor).
    nonisolated func verifyAndDecode(_ bytes: [UInt8], session: SiteSession) -> Result<ReceivedMessage, FrameError> {
        do {
            let sealed = try codec.parse(bytes)
            guard sealed.claimedEnvelope.sender == session.site.fingerprint else {
                return .failure(FrameError(.signerMismatch(header: sealed.claimedEnvelope.sender.hex, key: session.site.fingerprint.hex)))
            }
            return .success(try sealed.open(with: session.key))
        } catch let error as FrameError {
            return .failure(error)
        } catch {
            return .failure(FrameError(.malformedHeader("\(error)")))
        }
    }

    // MARK: handshake

    /// Checks a hello and, if the site is enrolled and the frame verifies, opens a session
    /// and answers welcome. Refusals are answered with a reject and audited.
    func handshake(_ bytes: [UInt8], connection: any FrameConnection, tlsKey: PublicKey?,
                   outbound: AsyncStream<[UInt8]>.Continuation) -> SiteSession? {
        let peer = connection.peer
        observed.bytesIn += bytes.count
        /// `audited: false` for a refusal already counted against the site's own budget.
        /// `detail`: for the operator only (audit entry, log, progress), never sent to the
        /// peer, which is not authenticated yet.
        func refuse(_ code: ReasonCode, _ reason: String, site: String? = nil, fingerprint: String? = nil, audited: Bool = true,
                    detail: String? = nil) -> SiteSession? {
            var data = ["peer": peer, "code": code.rawValue, "reason": reason]
            if let site { data["site"] = site }
            if let fingerprint { data["fingerprint"] = fingerprint }
            if let detail { data["detail"] = detail }
            if audited, admitRefusal(code: code) {
                record(.helloRefused, data)
                flushAudit(durable: true)
            }
            let said = detail.map { "\(reason) (\($0))" } ?? reason
            onEvent(.refused(peer: peer, site: site, code: code.rawValue, reason: said))
            logger.log(level: audited ? .warning : .debug, "hello refused", metadata: ["peer": "\(peer)", "code": "\(code)", "reason": "\(said)"])
            if let frame = try? codec.encode(.reject(Reject(code: code, reason: reason, refSeq: 0)),
                                             envelope: Envelope(sender: key.publicKey.fingerprint), signer: key) {
                outbound.yield(frame)
                observed.bytesOut += frame.count
            }
            return nil
        }
        if stopRequested { return refuse(.shuttingDown, "coordinator is shutting down") }
        let sealed: SealedMessage
        do {
            sealed = try codec.parse(bytes)
        } catch let error as FrameError {
            return refuse(error.reasonCode, "\(error)")
        } catch {
            return refuse(.malformedFrame, "\(error)")
        }
        guard sealed.type == .hello else { return refuse(.unexpectedMessage, "expected hello, got \(sealed.type)") }
        let fingerprint = sealed.claimedEnvelope.sender
        let site: EnrolledSite
        do {
            guard let enrolled = try registry.site(fingerprint: fingerprint) else {
                return refuse(.unknownKey, "key \(fingerprint.short) is not enrolled", fingerprint: fingerprint.hex)
            }
            site = enrolled
        } catch let error as RegistryError where error.code == .corruptEnrolment {
            // Only a key that matches no readable enrolment gets here; the operator is told
            // which damaged file may be this site's. Every other site is unaffected.
            return refuse(.unknownKey, "key \(fingerprint.short) is not enrolled", fingerprint: fingerprint.hex, detail: "\(error)")
        } catch {
            return refuse(.internalError, "cannot read enrolments: \(error)")
        }
        if let problem = SiteName.problem(site.name) {
            // Enrolment refuses such names; a file edited by hand must not bring one in.
            return refuse(.internalError, "the enrolment of key \(fingerprint.short) holds an unsafe site name: \(problem)", fingerprint: fingerprint.hex)
        }
        if site.isRevoked {
            return refuse(.revokedKey, "key \(fingerprint.short) of \(site.name) was revoked at \(site.revokedAt ?? "?")", site: site.name, fingerprint: fingerprint.hex)
        }
        let siteKey: PublicKey
        let received: ReceivedMessage
        do {
            siteKey = try site.key()
            received = try sealed.open(with: siteKey)
        } catch let error as FrameError {
            return refuse(error.reasonCode, "\(error)", site: site.name, fingerprint: fingerprint.hex)
        } catch {
            return refuse(.internalError, "\(error)", site: site.name)
        }
        guard case .hello(let hello) = received.message else { return refuse(.unexpectedMessage, "expected hello", site: site.name) }
        // The TLS client certificate and the hello must prove the same key: otherwise a
        // connection authenticated as one party could speak for another.
        if !config.insecure {
            guard let tlsKey else {
                return refuse(.badSignature, "no TLS client key on this connection (coordinator requires TLS)", site: site.name, fingerprint: fingerprint.hex)
            }
            guard tlsKey == siteKey else {
                return refuse(.badSignature, "TLS certificate key \(tlsKey.fingerprint.short) is not the hello signer \(fingerprint.short)",
                              site: site.name, fingerprint: fingerprint.hex)
            }
        }
        guard received.envelope.seq == 0, received.envelope.session.isEmpty else {
            return refuse(.replay, "hello must carry seq 0 and no session", site: site.name)
        }
        guard hello.protocolVersions.contains(Int(Frame.version)) else {
            return refuse(.unsupportedVersion, "site speaks protocol versions \(hello.protocolVersions), coordinator speaks \(Frame.version)", site: site.name)
        }
        if !hello.site.isEmpty, let problem = SiteName.problem(hello.site) {
            return refuse(.malformedFrame, "hello.site is not a site name: \(problem)", site: site.name, fingerprint: fingerprint.hex)
        }
        // One identity may open only so many sessions per window (IdentityThrottle).
        if case .suppressed(let first) = identities.admit(site: site.name, .sessions, code: ReasonCode.rateLimited.rawValue) {
            if first { auditThrottled(site: site.name, .sessions, code: .rateLimited) }
            return refuse(.rateLimited, "more than \(identities.sessionBudget) sessions within \(Int(identities.window.seconds)) s from \(site.name); retry later",
                          site: site.name, fingerprint: fingerprint.hex, audited: false)
        }
        var session = SiteSession(site: site, key: siteKey, id: Self.randomHex(16), challenge: Self.randomHex(32),
                                  connection: connection, outbound: outbound)
        session.software = hello.software
        if let old = sessions[site.name] {
            // One identity, one session: the old one ends now. Its connection closes once
            // its queue drains; its read loop then finds itself replaced and records nothing.
            // The work the round wanted from it passes to the new session (`handOverWork`).
            record(.sessionReplaced, ["site": site.name, "old-session": old.id, "session": session.id])
            old.outbound.finish()
            sessions[site.name] = nil
        }
        sessions[site.name] = session
        // From now on the site may send what the component's schema can need.
        connection.admit(limits: codec.limits)
        let latest = current?.version
        let welcome = Welcome(component: component.id, currentVersion: latest?.number ?? 0, currentVersionID: latest?.id,
                              heartbeatSeconds: config.heartbeatSeconds, software: Self.software,
                              coordinatorKey: Hex.encode(key.publicKey.rawRepresentation))
        let envelope = Envelope(sender: key.publicKey.fingerprint, session: session.id, challenge: session.challenge, round: 0, seq: 0)
        if let frame = try? codec.encode(.welcome(welcome), envelope: envelope, signer: key) {
            outbound.yield(frame)
            observed.bytesOut += frame.count
        }
        record(.sessionOpen, ["site": site.name, "session": session.id, "peer": peer, "software": hello.software,
                                "claimed-name": hello.site])
        flushAudit()
        onEvent(.siteJoined(site: site.name, connected: sessions.count))
        logger.info("site joined", metadata: ["site": "\(site.name)", "session": "\(session.id)", "peer": "\(peer)"])
        if case .waitingForQuorum = phase { wake() }
        handOverWork(to: site.name)
        return session
    }

    /// Gives a new session of a site the work the current phase still wants from that site:
    /// the round's task if the site is selected and has neither an accepted nor a refused
    /// update, or the version to evaluate if its evaluation is neither recorded nor refused. That is the
    /// honest reconnect after a network blip — the old connection may not even be seen as
    /// dead yet — and without it the round would wait its whole deadline for an answer the
    /// site was never asked for. A site already counted as dropped is waited for again,
    /// within the same deadline; after the deadline nothing is handed over.
    func handOverWork(to name: String) {
        switch phase {
        case .training(var state) where state.selected.contains(name) && state.accepted[name] == nil
            && !state.refused.contains(name) && !state.deadlinePassed:
            guard let work = state.task else { return }
            state.dropped.remove(name)
            // The new session's seq of the task, so a reject of it ends the wait (siteRefusedRequest).
            state.taskSeq[name] = sessions[name]?.nextOutboundSeq
            phase = .training(state)
            record(.taskResent, ["site": name, "round": String(state.round), "session": sessions[name]?.id ?? ""])
            flushAudit()
            send(.task(work.message), to: name, round: state.round, payload: work.payload)
        case .evaluating(var state) where state.asked.contains(name) && state.results[name] == nil
            && !state.refused.contains(name) && !state.deadlinePassed:
            guard let work = state.request else { return }
            state.dropped.remove(name)
            state.frameSeq[name] = sessions[name]?.nextOutboundSeq
            phase = .evaluating(state)
            send(.evaluate(work.message), to: name, round: state.version.manifest.round, payload: work.payload)
        default:
            break
        }
    }

    // MARK: refusals before any identity is known

    /// Audits a connection the transport refused or dropped before its `hello` was read:
    /// over a connection limit (from `FrameServer`'s `onRefused`), a TLS failure, a refused
    /// frame prefix, a truncated first frame, or a handshake/read timeout. Recorded as
    /// `connection-refused` with the peer, the guard (`stage`), the reason code and the
    /// transport's description, within the `RefusalThrottle` budget.
    public func connectionRefused(_ error: TransportError) {
        let code = error.reasonCode
        logger.warning("connection refused before hello", metadata: [
            "peer": "\(error.peer)", "stage": "\(error.stage)", "code": "\(code)", "reason": "\(error)"])
        onEvent(.refused(peer: error.peer, site: nil, code: code.rawValue, reason: "\(error)"))
        guard admitRefusal(code: code) else { return }
        record(.connectionRefused, ["peer": error.peer, "stage": error.stage, "code": code.rawValue, "reason": "\(error)"])
        flushAudit()
    }

    /// For callers outside the actor that must not wait (the transport's accept path).
    public nonisolated func connectionRefusedSoon(_ error: TransportError) {
        Task { await self.connectionRefused(error) }
    }

    /// Applies the throttle; first writes the summary of a window that has just ended.
    func admitRefusal(code: ReasonCode) -> Bool {
        auditSuppressedRefusals()
        return refusals.admit(code: code.rawValue)
    }

    /// Writes the summaries of throttle windows that are over (all of them if `force`: the
    /// coordinator is stopping), for strangers and for each enrolled site.
    func auditSuppressedRefusals(force: Bool = false) {
        var wrote = false
        if let summary = refusals.roll(force: force) {
            logger.warning("refusals not audited one by one", metadata: ["count": "\(summary.count)", "codes": "\(summary.codes)"])
            record(.refusalsSuppressed, ["count": String(summary.count), "codes": summary.codes,
                                           "window-seconds": String(Int(summary.windowSeconds))])
            wrote = true
        }
        for suppressed in identities.roll(force: force) {
            let summary = suppressed.summary
            logger.warning("site's events not audited one by one", metadata: [
                "site": "\(suppressed.site)", "budget": "\(suppressed.budget.rawValue)", "count": "\(summary.count)", "codes": "\(summary.codes)"])
            record(.siteAuditSuppressed, ["site": suppressed.site, "budget": suppressed.budget.rawValue, "count": String(summary.count),
                                             "codes": summary.codes, "window-seconds": String(Int(summary.windowSeconds))])
            wrote = true
        }
        if wrote { flushAudit() }
    }

    /// Applies a site's own budget for audit entries its frames cause.
    func admitSiteEntry(_ name: String, code: ReasonCode) -> Bool {
        auditSuppressedRefusals()
        switch identities.admit(site: name, .entries, code: code.rawValue) {
        case .admitted:
            return true
        case .suppressed(let first):
            if first { auditThrottled(site: name, .entries, code: code) }
            return false
        }
    }

    /// The one entry that says a site's budget ran out in this window (with the code of the
    /// first event it suppressed); the counts follow in `site-audit-suppressed` when the
    /// window ends.
    func auditThrottled(site name: String, _ budget: IdentityThrottle.Budget, code: ReasonCode) {
        let limit = budget == .sessions ? identities.sessionBudget : identities.entryBudget
        logger.warning("site over its budget; further events are counted, not audited", metadata: [
            "site": "\(name)", "budget": "\(budget.rawValue)", "limit": "\(limit)"])
        record(.siteThrottled, ["site": name, "budget": budget.rawValue, "code": code.rawValue, "limit": String(limit),
                                  "window-seconds": String(Int(identities.window.seconds))])
        flushAudit()
    }

    // MARK: messages

    /// Applies a decoded frame from a session. Returns false when the session should end.
    func accept(_ outcome: Result<ReceivedMessage, FrameError>, bytes: [UInt8], sessionID: String, site name: String) -> Bool {
        guard var session = sessions[name], session.id == sessionID else { return false }
        observed.bytesIn += bytes.count
        let received: ReceivedMessage
        switch outcome {
        case .failure(let error):
            refuse(name, error.reasonCode, "\(error)", seq: nil, round: nil)
            return true
        case .success(let r):
            received = r
        }
        let envelope = received.envelope
        // Only the coordinator addresses a frame to several sessions; a site's frames belong to its own.
        guard envelope.recipients == nil else {
            refuse(name, .wrongSession, "a site's frame must not name recipients", seq: envelope.seq, round: envelope.round)
            return true
        }
        guard envelope.session == session.id else {
            let named = envelope.session.isEmpty ? "no session" : "session \(envelope.session.prefix(8))"
            refuse(name, .wrongSession, "frame names \(named); this connection's session is \(session.id.prefix(8))", seq: envelope.seq, round: envelope.round)
            return true
        }
        guard envelope.challenge == session.challenge else {
            refuse(name, .wrongSession, "frame names this session (\(session.id.prefix(8))) but not its challenge", seq: envelope.seq, round: envelope.round)
            return true
        }
        guard envelope.seq == session.nextInboundSeq else {
            refuse(name, .replay, "seq \(envelope.seq), expected \(session.nextInboundSeq) (replayed or reordered frame)", seq: envelope.seq, round: envelope.round)
            return true
        }
        session.nextInboundSeq += 1
        sessions[name] = session
        switch received.message {
        case .update(let update):
            acceptUpdate(update, received: received, bytes: bytes, site: session.site)
        case .evaluation(let evaluation):
            acceptEvaluation(evaluation, received: received, bytes: bytes, site: session.site)
        case .heartbeat:
            break
        case .bye(let bye):
            record(.siteBye, ["site": name, "reason": bye.reason])
            return false
        case .reject(let reject):
            if admitSiteEntry(name, code: reject.code) {
                record(.siteRejected, ["site": name, "code": reject.code.rawValue, "reason": reject.reason])
            }
            logger.warning("site refused a frame", metadata: ["site": "\(name)", "code": "\(reject.code)", "reason": "\(reject.reason)"])
            siteRefusedRequest(name, refSeq: reject.refSeq)
        default:
            refuse(name, .unexpectedMessage, "\(received.message.type) is not a site-to-coordinator message", seq: envelope.seq, round: envelope.round)
        }
        return true
    }

    func acceptUpdate(_ update: Update, received: ReceivedMessage, bytes: [UInt8], site: EnrolledSite) {
        let round = Int(received.envelope.round)
        let seq = received.envelope.seq
        guard case .training(var state) = phase else {
            let closed = round <= currentRound
            refuse(site.name, closed ? .lateUpdate : .wrongRound,
                   closed ? "round \(round) is closed" : "no round is open", seq: seq, round: UInt64(round))
            return
        }
        guard round == state.round else {
            refuse(site.name, round < state.round ? .lateUpdate : .wrongRound,
                   round < state.round ? "round \(round) is closed; round \(state.round) is open" : "round \(round) is not open (round \(state.round) is)",
                   seq: seq, round: UInt64(round))
            return
        }
        guard state.selected.contains(site.name) else {
            refuse(site.name, .unexpectedMessage, "site was not selected for round \(round)", seq: seq, round: UInt64(round))
            return
        }
        guard state.accepted[site.name] == nil else {
            refuse(site.name, .unexpectedMessage, "an update for round \(round) was already accepted", seq: seq, round: UInt64(round))
            return
        }
        guard update.baseVersionID == state.base.id else {
            refuseContribution(site.name, .wrongBaseVersion, "trained from \(update.baseVersionID.prefix(12)), round \(round) is based on version \(state.base.number) (\(state.base.id.prefix(12)))",
                               seq: seq, round: round)
            return
        }
        if component.aggregation == .mean, received.manifest?.delta != state.base.id {
            refuseContribution(site.name, .wrongBaseVersion, "update must be a delta from version \(state.base.number)", seq: seq, round: round)
            return
        }
        do {
            try component.schema.validate(received.tensors)
        } catch {
            refuseContribution(site.name, .schemaMismatch, "\(error)", seq: seq, round: round)
            return
        }
        if let refusal = UpdateScreening(config).screen(update, reference: referenceSamples[site.name]) {
            refuseContribution(site.name, refusal.code, refusal.reason, seq: seq, round: round)
            return
        }
        if let bound = config.maxUpdateNorm, component.aggregation == .mean {
            let norm = DeltaCombination.l2Norm(received.tensors)
            guard norm <= bound else {
                refuseContribution(site.name, .normExceeded, "delta L2 norm \(norm) exceeds maxUpdateNorm \(bound)", seq: seq, round: round)
                return
            }
        }
        let id: String
        do {
            id = try registry.putObject(bytes, durable: false)
        } catch {
            refuse(site.name, .internalError, "cannot store the update: \(error)", seq: seq, round: UInt64(round))
            noteStoreFault(error)
            return
        }
        // Small rounds keep the decoded update for aggregation; past the budget it is read
        // back from the store at close, so memory stays bounded however many sites answer.
        let elements = received.tensors.reduce(0) { $0 + $1.elementCount }
        let keep = state.heldElements + elements <= RoundState.heldElementBudget
        if keep { state.heldElements += elements }
        state.accepted[site.name] = PendingContribution(site: site, frameID: id, received: keep ? received : nil)
        state.bytesIn += bytes.count
        phase = .training(state)
        record(.updateAccepted, ["site": site.name, "round": String(round), "update": id, "samples": String(update.samples),
                                   "bytes": String(bytes.count)])
        send(.ack(Ack(ackSeq: seq, storedID: id)), to: site.name, round: round)
        onEvent(.updateReceived(round: round, site: site.name, reported: state.accepted.count, selected: state.selected.count,
                                bytesIn: state.bytesIn, elapsedSeconds: (ContinuousClock.now - state.started).seconds))
        if state.isComplete { wake() }
    }

    /// Refuses a selected site's update on its content and counts the site as answered for
    /// the round (see `RoundState.refused`), so the round closes as soon as every selected
    /// site has answered instead of at its deadline.
    func refuseContribution(_ name: String, _ code: ReasonCode, _ reason: String, seq: UInt64, round: Int) {
        refuse(name, code, reason, seq: seq, round: UInt64(round))
        guard case .training(var state) = phase, state.round == round, state.accepted[name] == nil else { return }
        state.refused.insert(name)
        phase = .training(state)
        if state.isComplete { wake() }
    }

    func acceptEvaluation(_ evaluation: Evaluation, received: ReceivedMessage, bytes: [UInt8], site: EnrolledSite) {
        guard case .evaluating(var state) = phase, evaluation.versionID == state.version.id, state.asked.contains(site.name),
              state.results[site.name] == nil else {
            if admitSiteEntry(site.name, code: .unexpectedMessage) {
                record(.evaluationIgnored, ["site": site.name, "version": evaluation.versionID])
            }
            return
        }
        if let refusal = UpdateScreening(config).screen(evaluation) {
            // Answered: the evaluation phase does not wait for this site until its deadline.
            refuse(site.name, refusal.code, refusal.reason, seq: received.envelope.seq, round: received.envelope.round)
            state.refused.insert(site.name)
            phase = .evaluating(state)
            if state.isComplete { wake() }
            return
        }
        do {
            let id = try registry.putObject(bytes, durable: false)
            state.results[site.name] = SiteEvaluation(site: site.name, fingerprint: site.fingerprint, samples: evaluation.samples,
                                                      metrics: evaluation.metrics, frame: id)
            phase = .evaluating(state)
            send(.ack(Ack(ackSeq: received.envelope.seq, storedID: id)), to: site.name, round: Int(received.envelope.round))
            if state.isComplete { wake() }
        } catch {
            refuse(site.name, .internalError, "cannot store the evaluation: \(error)", seq: received.envelope.seq, round: received.envelope.round)
            noteStoreFault(error)
        }
    }

    /// The round currently or last open.
    var currentRound: Int {
        switch phase {
        case .waitingForQuorum(let round): return round - 1
        case .training(let s): return s.round
        case .committing(let round): return round
        case .evaluating(let s): return s.version.manifest.round
        case .stopping, .finished: return Int.max
        }
    }

    /// Answers a refused frame with a reject and audits it.
    func refuse(_ name: String, _ code: ReasonCode, _ reason: String, seq: UInt64?, round: UInt64?) {
        var data = ["site": name, "code": code.rawValue, "reason": reason]
        if let seq { data["seq"] = String(seq) }
        if let round { data["round"] = String(round) }
        let audited = admitSiteEntry(name, code: code)
        if audited {
            record(.frameRefused, data)
            flushAudit()
        }
        onEvent(.refused(peer: sessions[name]?.connection.peer ?? "?", site: name, code: code.rawValue, reason: reason))
        logger.log(level: audited ? .warning : .debug, "frame refused", metadata: ["site": "\(name)", "code": "\(code)", "reason": "\(reason)"])
        send(.reject(Reject(code: code, reason: reason, refSeq: seq)), to: name, round: Int(round ?? 0))
    }

    func sessionEnded(site name: String, sessionID: String, cause: String) {
        guard let session = sessions[name], session.id == sessionID else { return }
        sessions[name] = nil
        session.outbound.finish()
        record(.sessionClosed, ["site": name, "session": sessionID, "cause": cause])
        flushAudit()
        onEvent(.siteLeft(site: name, connected: sessions.count))
        logger.info("site left", metadata: ["site": "\(name)", "cause": "\(cause)"])
        switch phase {
        case .training(var state) where state.selected.contains(name) && state.accepted[name] == nil:
            state.dropped.insert(name)
            phase = .training(state)
            if state.isComplete { wake() }
        case .evaluating(var state) where state.asked.contains(name):
            state.dropped.insert(name)
            phase = .evaluating(state)
            if state.isComplete { wake() }
        default:
            break
        }
    }

    /// Sends a heartbeat to every session, so idle connections are not dropped by the
    /// peer's read timeout while the coordinator waits (quorum, other sites' training).
    public func heartbeat() {
        auditSuppressedRefusals()
        let state: String
        switch phase {
        case .training: state = "training"
        case .evaluating: state = "evaluating"
        default: state = "idle"
        }
        for name in sessions.keys.sorted() {
            send(.heartbeat(Heartbeat(state: state)), to: name, round: currentRound == Int.max ? 0 : max(0, currentRound))
        }
    }

    static func randomHex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}

extension Coordinator {
    /// Sends heartbeats every `heartbeatSeconds` until cancelled.
    public nonisolated func runHeartbeats() async {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: .seconds(config.heartbeatSeconds))
            } catch {
                return
            }
            await heartbeat()
        }
    }
}
