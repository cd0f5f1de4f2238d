import FedTwinRegistry
import FedTwinTransport
import FedTwinWire
import Foundation

/// Runs every `HostileCase` against ONE running federation — the real `fedtwin-coordinator`
/// over TLS, two honest `fedtwin-site` workers (noop component) — and records what each
/// case met, so that the tests can report each case on its own while the machine pays
/// for one federation (a few seconds on 2 cores, most of it the timeouts under test).
///
/// Pacing: `site-h` (a test-driven site) joins first and withholds its update, so each
/// round stays open while the cases of that round are fired; the honest sites train and
/// answer meanwhile, and every round commits once `site-h` answers. Cases that count
/// connections (the floods) run alone; the two slowloris cases run in the background
/// while the others go one at a time, and no other case expects a timeout.
///
/// Identities: `site-r` is the attacker inside a session; `site-q` signs hellos and
/// presents its certificate on one-shot connections; `site-s` replays across sessions and
/// sends an update while not selected; `site-w` stalls mid-frame; `idle-1…3` fill
/// connection slots; `site-v` is revoked; `site-x` is not enrolled.
actor HostileScenario {
    static let shared = HostileScenario()
    private var running: Task<HostileReport, any Error>?

    /// The report, running the scenario on first use.
    func report() async throws -> HostileReport {
        if let running { return try await running.value }
        let task = Task { try await Self.run() }
        running = task
        return try await task.value
    }

    static let honest = ["site-a", "site-b"]
    static let enrolled = ["site-h", "site-r", "site-q", "site-s", "site-w", "idle-1", "idle-2", "idle-3", "site-v"]
    /// Coordinator limits the flood cases are computed from.
    static let maxConnections = 10
    static let maxPendingHandshakes = 4
    static let handshakeTimeout = 4.0
    static let readTimeout = 8.0

    // swiftlint:disable:next function_body_length
    static func run() async throws -> HostileReport {
        let started = ContinuousClock.now
        let ws = try Workspace("hostile")
        defer { ws.cleanup() }
        let fed = try await Federation.make(ws, sites: honest + enrolled, unenrolled: ["site-x"])
        try await ws.runOK("fedtwin", ["revoke", "--store", fed.store, "--name", "site-v", "--coordinator-key", fed.coordinatorKey])
        let (coordinator, port) = try await fed.startCoordinator([
            "--rounds", "3", "--min-sites", "4", "--round-deadline", "60", "--evaluation-deadline", "20",
            "--max-update-norm", "1000", "--max-connections", String(maxConnections),
            "--max-pending-handshakes", String(maxPendingHandshakes), "--handshake-timeout", String(handshakeTimeout),
            // Longer than Federation's 3 s: when the whole test suite runs, other suites can
            // starve the cooperative pool long enough that the test's own sites miss heartbeats.
            "--read-timeout", String(readTimeout),
        ])
        do {
            return try await scenario(ws: ws, fed: fed, port: port, coordinator: coordinator, started: started)
        } catch {
            throw IntegrationError("\(error)\n--- coordinator stderr (tail)\n\(Spawned.tail(coordinator.stderr, lines: 80))")
        }
    }

    // swiftlint:disable:next function_body_length
    static func scenario(ws: Workspace, fed: Federation, port: Int, coordinator: Spawned,
                         started: ContinuousClock.Instant) async throws -> HostileReport {
        var report = HostileReport()
        let run = Run(ws: ws, fed: fed, port: port, coordinator: coordinator)

        func join(_ name: String) async throws -> RogueSite {
            let site = try await RogueSite.join(name: name, keyPath: ws.path("keys/\(name).key"), port: port, fingerprint: fed.fingerprint)
            ws.atCleanup { Task { await site.drop() } }
            return site
        }
        func attempt(_ c: HostileCase, _ body: () async throws -> HostileOutcome) async {
            do {
                report.outcomes[c] = try await body()
            } catch {
                report.failures[c] = "\(error)"
            }
        }

        let holder = try await join("site-h")
        let rogue = try await join("site-r")
        var workers: [String: Spawned] = [:]
        for site in honest { workers[site] = try fed.startSite(site, port: port) }
        let holderTask1 = try await holder.task(round: 1, timeout: 30)
        let task1 = try await rogue.task(round: 1, timeout: 10)
        guard case .task(let t1) = task1.message else { throw IntegrationError("not a task") }
        let base1 = t1.baseVersionID

        // MARK: floods (alone: they count connections). Open now: site-h, site-r, site-a, site-b.
        await attempt(.pendingHandshakeFlood) {
            let before = run.lastSeq()
            // 4 pending + 4 established = 8 ≤ maxConnections: only the pending limit can refuse.
            let outcomes = await run.flood(7)
            try await run.awaitConnectionRefusals(after: before, count: 7)
            let refused = try await run.awaitAudit(after: before, "connection-refused") {
                $0.data["code"] == "limit-exceeded" && ($0.data["reason"] ?? "").contains("max pending handshakes")
            }
            let closes = "seconds to close: \(outcomes.map { $0.secondsToClose ?? -1 }.sorted())"
            await attempt(.silentSocketHandshakeTimeout) {
                let entry = try await run.awaitAudit(after: before, "connection-refused") {
                    $0.data["code"] == "timeout" && ($0.data["reason"] ?? "").contains("handshake timeout")
                }
                return HostileOutcome(audit: entry, closed: outcomes.allSatisfy(\.closed), detail: closes)
            }
            return HostileOutcome(audit: refused, closed: outcomes.allSatisfy(\.closed), detail: closes)
        }
        try await Task.sleep(for: .milliseconds(300))  // slots of the dropped sockets are released
        await attempt(.connectionFlood) {
            // 3 more sessions: 7 established + 3 pending = maxConnections, with pending 3 < 4,
            // so only the connection limit can refuse.
            var idles: [RogueSite] = []
            for name in ["idle-1", "idle-2", "idle-3"] { idles.append(try await join(name)) }
            let before = run.lastSeq()
            let outcomes = await run.flood(6)
            try await run.awaitConnectionRefusals(after: before, count: 6)
            let refused = try await run.awaitAudit(after: before, "connection-refused") {
                $0.data["code"] == "limit-exceeded" && ($0.data["reason"] ?? "").contains("max connections")
            }
            for idle in idles { await idle.drop() }
            return HostileOutcome(audit: refused, closed: outcomes.allSatisfy(\.closed),
                                  detail: "seconds to close: \(outcomes.map { $0.secondsToClose ?? -1 }.sorted())")
        }

        // MARK: stalls, in the background while the rest go one by one
        let qKey = try KeyFile.readPrivateKey(at: ws.path("keys/site-q.key"))
        let helloQ = try hello(qKey)
        let probe = Probe(port: port, fingerprint: fed.fingerprint)
        let beforeStalls = run.lastSeq()
        let stallBeforeHello = Task { () throws -> HostileOutcome in
            let connection = try await probe.tls(keyPath: ws.path("keys/site-q.key"))
            let outcome = await Probe.exchange(connection, send: [Array(helloQ.prefix(helloQ.count / 2))], timeout: 10)
            let entry = try await run.awaitAudit(after: beforeStalls, "connection-refused") {
                $0.data["code"] == "timeout" && ($0.data["reason"] ?? "").contains("handshake timeout")
            }
            return HostileOutcome(audit: entry, closed: outcome.closed, detail: "closed after \(outcome.secondsToClose ?? -1) s")
        }
        let staller = try await join("site-w")
        await staller.stopHeartbeats()
        try await Task.sleep(for: .milliseconds(50))
        // The half frame: the first 20 bytes of a heartbeat; the rest never comes.
        _ = try await staller.sendHostile(round: 0, consumesSeq: false) { site, envelope in
            Array(try site.codec.encode(.heartbeat(Heartbeat(state: "idle")), envelope: envelope, signer: site.key).prefix(20))
        }
        let stallWatcher = Task { () throws -> HostileOutcome in
            let entry = try await run.awaitAudit(after: beforeStalls, "session-closed", timeout: readTimeout + 10) { $0.data["site"] == "site-w" }
            return HostileOutcome(audit: entry, closed: await staller.closedByPeer, detail: entry.data["cause"] ?? "")
        }

        // MARK: TLS
        await attempt(.plainTCPToTLSPort) {
            try await run.connectionCase(.plainTCPToTLSPort, connect: { try await probe.plain() }, send: [helloQ])
        }
        await attempt(.expiredCertificate) {
            let expired = try Certificate.selfSigned(for: qKey, name: "site-q", days: 1, notBeforeOffsetDays: -30)
            return try await run.connectionCase(.expiredCertificate, reason: "expired",
                                                connect: { try await probe.tls(keyPath: ws.path("keys/site-q.key"), certificate: expired) },
                                                send: [helloQ])
        }

        // MARK: framing of the first frame
        let tlsQ: @Sendable () async throws -> any FrameConnection = { try await probe.tls(keyPath: ws.path("keys/site-q.key")) }
        let framing: [(HostileCase, [UInt8], Bool)] = [
            (.badMagic, HostileFrames.patchingPrefix(helloQ, at: 0, to: 0x00), false),
            (.unknownFrameVersion, HostileFrames.patchingPrefix(helloQ, at: 4, to: 9), false),
            (.unknownMessageType, HostileFrames.patchingPrefix(helloQ, at: 5, to: 0xEE), false),
            (.unknownFlags, HostileFrames.patchingPrefix(helloQ, at: 7, to: 0x80), false),
            (.randomGarbage, HostileFrames.garbage(256), false),
            (.oversizedHeaderLength, HostileFrames.prefix(headerLength: 0x7FFF_FFFF, bodyLength: 0), false),
            (.oversizedBodyLength, HostileFrames.prefix(headerLength: 100, bodyLength: 0xFFFF_FFFF), false),
            (.truncatedFrame, Array(helloQ.prefix(helloQ.count - 40)), true),
            // Any other message first: refused from its prefix, before its header is read.
            (.messageBeforeHello, try MessageCodec().encode(.heartbeat(Heartbeat(state: "idle")),
                                                            envelope: Envelope(sender: qKey.publicKey.fingerprint, seq: 1), signer: qKey), false),
            // 1 MiB is far below the session limit, but a hello has no body: refused from the prefix.
            (.helloDeclaringBody, HostileFrames.prefix(type: MessageType.hello.rawValue, headerLength: 100, bodyLength: 1 << 20), false),
        ]
        for (c, bytes, thenClose) in framing {
            await attempt(c) { try await run.connectionCase(c, connect: tlsQ, send: [bytes], thenClose: thenClose) }
        }

        // MARK: hello
        let sKey = try KeyFile.readPrivateKey(at: ws.path("keys/site-s.key"))
        let xKey = try KeyFile.readPrivateKey(at: ws.path("keys/site-x.key"))
        let vKey = try KeyFile.readPrivateKey(at: ws.path("keys/site-v.key"))
        let tls: @Sendable (String) -> @Sendable () async throws -> any FrameConnection = { name in
            { try await probe.tls(keyPath: ws.path("keys/\(name).key")) }
        }
        let codec = MessageCodec()
        let hellos: [(HostileCase, String, [UInt8])] = [
            (.unknownKey, "site-x", try hello(xKey)),
            (.revokedKey, "site-v", try hello(vKey)),
            (.unenrolledCertificate, "site-x", helloQ),
            (.helloSignerIsNotTLSKey, "site-q", try hello(sKey)),
            (.helloBadSignature, "site-q", HostileFrames.flippingSignature(helloQ)),
            (.helloWithNonZeroSeq, "site-q", try hello(qKey, seq: 7)),
            (.helloUnsupportedProtocol, "site-q", try hello(qKey, versions: [2])),
            (.malformedHeaderJSON, "site-q", try HostileFrames.resign(helloQ, key: qKey, header: Array(#"{"sender": 12, "seq": "#.utf8))),
            // Signed by site-q's enrolled key, claiming "site-а" with a Cyrillic а.
            (.helloLookAlikeName, "site-q", try codec.encode(.hello(Hello(site: "site-\u{0430}", software: "hostile-test")),
                                                             envelope: Envelope(sender: qKey.publicKey.fingerprint), signer: qKey)),
        ]
        for (c, identity, bytes) in hellos {
            await attempt(c) { try await run.helloCase(c, connect: tls(identity), send: bytes) }
        }
        await attempt(.helloFloodFromOneKey) {
            // site-q opens session after session (each hello answered, then the connection
            // closed); past its budget (10 a minute) a hello is refused, audited once.
            let before = run.lastSeq()
            var reject: Reject?
            var opened = 0
            while reject == nil, opened <= 20 {
                let connection = try await tls("site-q")()
                try await connection.send(helloQ)
                var frames = connection.inbound.makeAsyncIterator()
                if let first = try await frames.next() { reject = try codec.parse(first).claimedReject() }
                if reject == nil { opened += 1 }
                await connection.close()
            }
            let entry = try await run.awaitAudit(after: before, "site-throttled") { $0.data["site"] == "site-q" }
            return HostileOutcome(rejectCode: opened == 10 ? reject?.code.rawValue : "after \(opened) sessions", audit: entry, closed: true,
                                  detail: "reject: \(reject.map { "\($0.code): \($0.reason)" } ?? "none")")
        }

        // MARK: inside site-r's session, round 1
        let zeros = HostileFrames.zeros(like: task1)
        // (case, round, seq numbers skipped, whether the coordinator counts the seq, frame)
        let sessionCases: [(HostileCase, UInt64, UInt64, Bool, @Sendable (RogueSite, Envelope) throws -> [UInt8])] = [
            (.nanInUpdate, 1, 0, false, { site, envelope in
                let clean = try site.updateFrame(envelope, base: base1, tensors: zeros,
                                                 options: PayloadOptions(encoding: .f32, compressionLevel: nil, delta: base1))
                var body = Array(try Frame(parsing: clean).body)
                withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { body.replaceSubrange(0..<4, with: $0) }
                return try HostileFrames.resign(clean, key: site.key, body: body)
            }),
            (.wrongShape, 1, 0, true, { site, envelope in
                try site.updateFrame(envelope, base: base1, tensors: [Tensor(name: "weights", shape: [9999], floats: [Float](repeating: 0, count: 9999))])
            }),
            (.wrongTensorName, 1, 0, true, { site, envelope in
                try site.updateFrame(envelope, base: base1, tensors: zeros.map { Tensor(name: "bias", shape: $0.shape, values: $0.values) })
            }),
            (.wrongDtype, 1, 0, true, { site, envelope in
                let doubles = zeros.map { Tensor(name: $0.name, shape: $0.shape, doubles: [Double](repeating: 0, count: $0.shape.reduce(1, *))) }
                return try site.updateFrame(envelope, base: base1, tensors: doubles, options: PayloadOptions(encoding: .f64, delta: base1))
            }),
            (.normOverBound, 1, 0, true, { site, envelope in
                try site.updateFrame(envelope, base: base1, tensors: HostileFrames.zeros(like: task1, value: 100))
            }),
            (.wrongBaseVersion, 1, 0, true, { site, envelope in
                let other = String(repeating: "ab", count: 32)
                return try site.updateFrame(envelope, base: other, tensors: zeros)
            }),
            (.wrongRound, 6, 0, true, { site, envelope in try site.updateFrame(envelope, base: base1, tensors: zeros) }),
            (.outOfOrderSeq, 1, 1, false, { site, envelope in try site.updateFrame(envelope, base: base1, tensors: zeros) }),
            (.recipientsFromSite, 1, 0, false, { site, envelope in
                // Only the coordinator may address a frame to several sessions.
                var addressed = envelope
                addressed.recipients = [Envelope.Recipient(session: envelope.session, seq: envelope.seq)]
                return try site.updateFrame(addressed, base: base1, tensors: zeros)
            }),
            (.badSignatureInSession, 1, 0, false, { site, envelope in
                HostileFrames.flippingSignature(try site.updateFrame(envelope, base: base1, tensors: zeros))
            }),
            (.signerMismatchInSession, 1, 0, false, { _, envelope in
                // Properly signed by another enrolled key, inside site-r's session.
                var foreign = envelope
                foreign.sender = qKey.publicKey.fingerprint
                return try MessageCodec().encode(.update(Update(baseVersionID: base1, samples: 5, metrics: [:])), envelope: foreign,
                                                 tensors: zeros, options: PayloadOptions(encoding: .q8, delta: base1), signer: qKey)
            }),
            (.zipBomb, 1, 0, false, { site, envelope in
                // Declares the 40 KB an honest f32 update needs; the body inflates to 32 MiB.
                let clean = try site.updateFrame(envelope, base: base1, tensors: zeros,
                                                 options: PayloadOptions(encoding: .f32, compressionLevel: nil, delta: base1))
                let bomb = try Zlib.deflate([UInt8](repeating: 0, count: 32 << 20), level: 9)
                return try HostileFrames.resign(clean, key: site.key, body: bomb, flags: .bodyCompressed)
            }),
            (.tooManyTensors, 1, 0, false, { site, envelope in
                let clean = try site.updateFrame(envelope, base: base1, tensors: zeros)
                let header = try HostileFrames.editHeader(clean) { header in
                    header["payload"] = [
                        "rawLength": 0, "delta": base1,
                        "tensors": (0...PayloadLimits.default.maxTensors).map { i -> [String: Any] in
                            ["name": "t\(i)", "dtype": "f32", "shape": [0], "encoding": "f32", "offset": 0, "length": 0,
                             "maxAbsError": 0, "rmsError": 0]
                        },
                    ]
                }
                return try HostileFrames.resign(clean, key: site.key, header: header, body: [], flags: [])
            }),
            (.helloInsideSession, 1, 0, true, { site, envelope in
                try site.codec.encode(.hello(Hello(site: "site-r", software: "hostile")), envelope: envelope, signer: site.key)
            }),
            (.zeroSamples, 1, 0, true, { site, envelope in try site.updateFrame(envelope, base: base1, tensors: zeros, samples: 0) }),
            (.hugeSamples, 1, 0, true, { site, envelope in try site.updateFrame(envelope, base: base1, tensors: zeros, samples: Int.max) }),
            (.hugeMetric, 1, 0, true, { site, envelope in
                try site.updateFrame(envelope, base: base1, tensors: zeros, metrics: ["train_loss": 1e308])
            }),
            (.tooManyMetrics, 1, 0, false, { site, envelope in
                // The encoder refuses 65 metrics itself, so the header is edited and re-signed.
                let clean = try site.updateFrame(envelope, base: base1, tensors: zeros)
                let header = try HostileFrames.editHeader(clean) { header in
                    var message = header["message"] as! [String: Any]
                    message["metrics"] = Dictionary(uniqueKeysWithValues: (0...MessageBounds.maxMetrics).map { ("m\($0)", 0.0) })
                    header["message"] = message
                }
                return try HostileFrames.resign(clean, key: site.key, header: header)
            }),
            (.duplicateKeyInHeader, 1, 0, false, { site, envelope in
                // The coordinator must not read 5 where an independent verifier reads 10^12.
                let clean = try site.updateFrame(envelope, base: base1, tensors: zeros)
                let text = String(decoding: try Frame(parsing: clean).header, as: UTF8.self)
                let header = text.replacingOccurrences(of: "\"samples\":5", with: "\"samples\":5,\"samples\":1000000000000")
                return try HostileFrames.resign(clean, key: site.key, header: Array(header.utf8))
            }),
        ]
        for (c, round, skip, consumes, build) in sessionCases {
            await attempt(c) {
                try await run.sessionCase(c, site: rogue, round: round, skip: skip, consumesSeq: consumes, build)
            }
        }
        // A proper update, then the same round again: a fresh duplicate and the very same bytes.
        let ackCount = await rogue.acks.count
        let update1 = try await rogue.sendHostile(round: 1, consumesSeq: true) { site, envelope in
            try site.updateFrame(envelope, base: base1, tensors: zeros)
        }
        try await eventuallyAsync("site-r's round-1 update acknowledged", timeout: 10) { await rogue.acks.count > ackCount }
        await attempt(.duplicateUpdate) {
            try await run.sessionCase(.duplicateUpdate, site: rogue, round: 1, consumesSeq: true) { site, envelope in
                try site.updateFrame(envelope, base: base1, tensors: zeros)
            }
        }
        await attempt(.replayWithinRound) {
            try await run.sessionCase(.replayWithinRound, site: rogue, round: 1, consumesSeq: false) { _, _ in update1 }
        }

        // MARK: site-s: an update while not selected, then a frame carried into a new session
        await attempt(.updateFromUnselectedSite) {
            let s = try await join("site-s")
            defer { Task { await s.drop() } }
            return try await run.sessionCase(.updateFromUnselectedSite, site: s, round: 1, consumesSeq: true) { site, envelope in
                try site.updateFrame(envelope, base: base1, tensors: zeros)
            }
        }
        await attempt(.replayAcrossSessions) {
            let first = try await join("site-s")
            let captured = try await first.send(.heartbeat(Heartbeat(state: "idle")), round: 0)
            await first.drop()
            let second = try await join("site-s")
            defer { Task { await second.drop() } }
            return try await run.sessionCase(.replayAcrossSessions, site: second, round: 0, consumesSeq: false) { _, _ in captured }
        }

        // MARK: the stalls end by their timeouts
        await attempt(.slowlorisBeforeHello) { try await stallBeforeHello.value }
        await attempt(.slowlorisInSession) { try await stallWatcher.value }

        // Round 1 closes once site-h answers; the honest sites have answered long ago.
        // From here site-r answers each version's evaluate with a bad evaluation (one case per version).
        await rogue.setAnswerEvaluations(false)
        let defaultRogue = rogue
        func evaluationCase(_ c: HostileCase, round: UInt64, samples: Int, metrics: [String: Double], site rogue: RogueSite? = nil) async {
            let rogue = rogue ?? defaultRogue
            await attempt(c) {
                let evaluate = try await rogue.waitFor("an evaluate for round \(round)", timeout: 20) { m in
                    if case .evaluate = m.message { return m.envelope.round == round }
                    return false
                }
                guard case .evaluate(let e) = evaluate.message else { throw IntegrationError("not an evaluate") }
                return try await run.sessionCase(c, site: rogue, round: round, consumesSeq: true) { site, envelope in
                    try site.codec.encode(.evaluation(Evaluation(versionID: e.versionID, samples: samples, metrics: metrics)),
                                          envelope: envelope, signer: site.key)
                }
            }
        }
        try await holder.sendZeroUpdate(for: holderTask1)
        await evaluationCase(.negativeEvaluationSamples, round: 1, samples: -1, metrics: ["loss": 0.5])

        // MARK: round 2: replays and a late update from round 1
        let task2 = try await rogue.task(round: 2, timeout: 20)
        let holderTask2 = try await holder.task(round: 2, timeout: 10)
        await attempt(.replayAcrossRounds) {
            try await run.sessionCase(.replayAcrossRounds, site: rogue, round: 2, consumesSeq: false) { _, _ in update1 }
        }
        await attempt(.lateUpdate) {
            try await run.sessionCase(.lateUpdate, site: rogue, round: 1, consumesSeq: true) { site, envelope in
                try site.updateFrame(envelope, base: base1, tensors: zeros)
            }
        }
        try await rogue.sendZeroUpdate(for: task2)
        try await holder.sendZeroUpdate(for: holderTask2)
        await evaluationCase(.negativeHeldOutLoss, round: 2, samples: 10, metrics: ["loss": -0.5])

        // MARK: round 3: site-r reconnects mid-round while its old session is still open (an
        // honest blip); the new session must inherit the round's task and the round close
        // when it answers, not at its 60 s deadline.
        _ = try await rogue.task(round: 3, timeout: 20)
        let beforeRejoin = run.lastSeq()
        let rejoined = try await join("site-r")
        await rejoined.setAnswerEvaluations(false)
        let rejoinedTask3 = try await rejoined.task(round: 3, timeout: 10)
        report.replacement = try await run.awaitAudit(after: beforeRejoin, "task-resent") { $0.data["site"] == "site-r" && $0.data["round"] == "3" }
        try await rejoined.sendZeroUpdate(for: rejoinedTask3)
        let holderTask3 = try await holder.task(round: 3, timeout: 20)
        try await holder.sendZeroUpdate(for: holderTask3)
        await evaluationCase(.hugeEvaluationSamples, round: 3, samples: 1_000_000_000_000_000, metrics: ["loss": 0.5], site: rejoined)
        try await coordinator.waitForExit(timeout: 30)
        report.coordinatorStatus = coordinator.status
        report.coordinatorStderrTail = Spawned.tail(coordinator.stderr, lines: 60)
        for (name, worker) in workers {
            try? await worker.waitForExit(timeout: 15)
            report.honestExitStatus[name] = worker.isRunning ? -1 : worker.status
        }
        report.versions = (try? await fed.listedVersions()) ?? []
        for version in report.versions where version > 0 {
            report.contributors[version] = (try? fed.manifest(version))?.contributions.map(\.site).sorted() ?? []
        }
        report.roundDeadlines = fed.auditEvents("round-deadline").count
        for entry in fed.auditEvents("session-open") {
            if let site = entry.data["site"] { report.sessionOpens[site, default: 0] += 1 }
        }
        let verify = try await ws.run("fedtwin", ["models", "verify", "--all", "--replay", "--store", fed.store], timeout: 60)
        report.verifyStatus = verify.status
        report.verifyOutput = verify.description
        let audit = try await ws.run("fedtwin", ["audit", "verify", "--store", fed.store])
        report.auditVerifyStatus = audit.status
        report.auditVerifyOutput = audit.description
        let elapsed = ContinuousClock.now - started
        report.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return report
    }

    static func hello(_ key: SigningKey, seq: UInt64 = 0, versions: [Int] = [Int(Frame.version)]) throws -> [UInt8] {
        try MessageCodec().encode(.hello(Hello(site: "hostile", software: "hostile-test", protocolVersions: versions)),
                                  envelope: Envelope(sender: key.publicKey.fingerprint, seq: seq), signer: key)
    }
}

/// The running federation as the cases see it: where to connect and how to read the audit log.
struct Run: Sendable {
    let ws: Workspace
    let fed: Federation
    let port: Int
    let coordinator: Spawned

    func lastSeq() -> Int { fed.audit().last?.seq ?? -1 }

    /// The first `event` entry after `seq` that `match` accepts; the failure lists what was written instead.
    func awaitAudit(after seq: Int, _ event: String, timeout: Double = 8,
                    _ match: @escaping (AuditEntry) -> Bool = { _ in true }) async throws -> AuditEntry {
        let fed = self.fed
        return try await eventually("an audit entry '\(event)' after entry \(seq)", timeout: timeout,
                                    context: { fed.audit().filter { $0.seq > seq && $0.event != "update-accepted" }
                                        .map { "\($0.seq) \($0.event) \($0.data)" }.joined(separator: "\n") }) {
            fed.audit().first { $0.seq > seq && $0.event == event && match($0) }
        }
    }

    /// Waits until `count` connection refusals follow entry `seq`: every flood socket ends
    /// as one (at accept, or by the handshake timeout), so that afterwards no later case
    /// can take one of them for its own and every slot is free again.
    func awaitConnectionRefusals(after seq: Int, count: Int) async throws {
        try await eventually("\(count) connection refusals audited", timeout: 10) {
            fed.audit().filter { $0.seq > seq && $0.event == "connection-refused" }.count >= count
        }
    }

    /// `count` silent plain-TCP sockets opened at once; each waits until the coordinator closes it.
    func flood(_ count: Int) async -> [Probe.Outcome] {
        let probe = Probe(port: port, fingerprint: fed.fingerprint)
        return await withTaskGroup(of: Probe.Outcome.self) { group in
            for _ in 0..<count {
                group.addTask {
                    do {
                        return await Probe.exchange(try await probe.plain(), send: [], timeout: HostileScenario.handshakeTimeout * 4)
                    } catch {
                        return Probe.Outcome(closed: true, secondsToClose: 0, error: "connect: \(error)")
                    }
                }
            }
            var all: [Probe.Outcome] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
    }

    /// A one-shot connection refused by the transport: no reject, a `connection-refused` entry.
    func connectionCase(_ c: HostileCase, reason: String? = nil, connect: @Sendable () async throws -> any FrameConnection,
                        send: [[UInt8]], thenClose: Bool = false) async throws -> HostileOutcome {
        let before = lastSeq()
        let outcome = await Probe.exchange(try await connect(), send: send, thenClose: thenClose)
        let entry = try await awaitAudit(after: before, c.auditEvent) { entry in
            entry.data["code"] == c.expectedCode && (reason.map { r in (entry.data["reason"] ?? "").contains(r) } ?? true)
        }
        return HostileOutcome(rejectCode: outcome.reject?.code.rawValue, audit: entry, closed: outcome.closed,
                              detail: "client saw: \(outcome.error ?? "clean close")")
    }

    /// A one-shot connection whose hello (or first frame) is refused with a reject.
    func helloCase(_ c: HostileCase, connect: @Sendable () async throws -> any FrameConnection, send: [UInt8]) async throws -> HostileOutcome {
        let before = lastSeq()
        let outcome = await Probe.exchange(try await connect(), send: [send])
        let entry = try await awaitAudit(after: before, c.auditEvent) { $0.data["code"] == outcome.reject?.code.rawValue }
        return HostileOutcome(rejectCode: outcome.reject?.code.rawValue, audit: entry, closed: outcome.closed,
                              detail: "reject: \(outcome.reject.map { "\($0.code): \($0.reason)" } ?? "none"); \(outcome.error ?? "")")
    }

    /// A frame inside a session: the next reject the site receives, and its `frame-refused` entry.
    func sessionCase(_ c: HostileCase, site: RogueSite, round: UInt64, skip: UInt64 = 0, consumesSeq: Bool,
                     _ build: @Sendable (RogueSite, Envelope) throws -> [UInt8]) async throws -> HostileOutcome {
        let before = lastSeq()
        let seen = await site.rejectCount
        try await site.sendHostile(round: round, skip: skip, consumesSeq: consumesSeq, build)
        let reject = try await site.nextReject(after: seen, timeout: 10)
        let entry = try await awaitAudit(after: before, c.auditEvent) {
            $0.data["site"] == site.name && $0.data["code"] == reject.code.rawValue
        }
        return HostileOutcome(rejectCode: reject.code.rawValue, refSeq: reject.refSeq, audit: entry,
                              detail: "reject: \(reject.code): \(reject.reason) (refSeq \(reject.refSeq.map(String.init) ?? "none"))")
    }
}
