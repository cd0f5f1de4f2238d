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
            // The work the round wanted from it passes to the new session (`RoundMachine.sessionOpened`).
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
                              coordinatorKey: Hex.encode(key.publicKey.rawRepresentation), componentSpecHash: component.specHash)
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
        // Wakes a loop waiting for quorum; hands over the work the phase still wants from
        // this site (`RoundMachine.sessionOpened`).
        execute(machine.sessionOpened(site.name, sessionID: session.id, nextSeq: sessions[site.name]?.nextOutboundSeq ?? 0))
        return session
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
            execute(machine.requestRejected(by: name, refSeq: reject.refSeq))
        default:
            refuse(name, .unexpectedMessage, "\(received.message.type) is not a site-to-coordinator message", seq: envelope.seq, round: envelope.round)
        }
        return true
    }

    func acceptUpdate(_ update: Update, received: ReceivedMessage, bytes: [UInt8], site: EnrolledSite) {
        switch machine.updateReceived(update, received, from: site.name) {
        case .refused(let actions):
            execute(actions)
        case .store:
            do {
                let id = try registry.putObject(bytes, durable: false)
                execute(machine.updateStored(update, received, from: site, id: id, bytes: bytes.count, now: .now))
            } catch {
                execute(machine.updateNotStored(received, from: site.name, error: "\(error)"))
                noteStoreFault(error)
            }
        }
    }

    func acceptEvaluation(_ evaluation: Evaluation, received: ReceivedMessage, bytes: [UInt8], site: EnrolledSite) {
        switch machine.evaluationReceived(evaluation, received, from: site.name) {
        case .refused(let actions):
            execute(actions)
        case .store:
            do {
                let id = try registry.putObject(bytes, durable: false)
                execute(machine.evaluationStored(evaluation, received, from: site, id: id))
            } catch {
                execute(machine.evaluationNotStored(received, from: site.name, error: "\(error)"))
                noteStoreFault(error)
            }
        }
    }

    /// The round currently or last open.
    var currentRound: Int { machine.currentRound }

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
        execute(machine.sessionEnded(name))
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
