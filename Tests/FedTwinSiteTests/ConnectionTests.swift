import FedTwinTransport
import FedTwinWire
import Foundation
import Logging
import Testing
@testable import FedTwinSite

/// How the worker meets the coordinator: a wrong pin stops it with both fingerprints, a
/// coordinator that is not up yet is retried with backoff and said once.
@Suite("Site connection")
struct ConnectionTests {
    /// A frame server on a free port; returns the port and the task serving (cancel it).
    static func server(configuration: TransportConfiguration = TransportConfiguration(),
                       handler: @escaping @Sendable (any FrameConnection) async -> Void = { _ in }) async throws -> (port: Int, task: Task<Void, any Error>) {
        let (bound, boundContinuation) = AsyncStream<Int>.makeStream()
        let task = Task {
            try await FrameServer.run(host: "127.0.0.1", port: 0, configuration: configuration, logger: Logger(label: "server"),
                                      onBound: { boundContinuation.yield($0) }, handler: handler)
        }
        var ports = bound.makeAsyncIterator()
        return (try #require(await ports.next()), task)
    }

    /// Runs a worker for `port` with short backoffs until what it logged satisfies `done`
    /// (checked every 50 ms, for at most 30 s: a loaded machine is slow, not wrong), then
    /// cancels it; returns what it logged.
    static func run(_ fixture: AdversarialWorkerTests.Fixture, port: Int, maxBackoff: Double,
                    until done: @escaping ([LogRecords.Record]) -> Bool) async throws -> [LogRecords.Record] {
        var config = fixture.config(adversary: nil)
        config.coordinatorPort = port
        config.initialBackoffSeconds = 0.02
        config.maxBackoffSeconds = maxBackoff
        let records = LogRecords()
        let worker = try SiteWorker(config: config, logger: records.logger())
        let running = Task { try await worker.run() }
        let deadline = ContinuousClock.now + .seconds(30)
        while !done(records.all), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        running.cancel()
        try await running.value
        return records.all
    }

    @Test("a coordinator whose key is not the pinned one stops the worker with both fingerprints", .timeLimit(.minutes(1)))
    func wrongPinStops() async throws {
        let fixture = try AdversarialWorkerTests.Fixture()
        let siteCertificate = try Certificate.selfSigned(for: fixture.key, name: "site-x", days: 30)
        try siteCertificate.pemRepresentation.write(to: fixture.directory.appendingPathComponent("site.crt"), atomically: true, encoding: .utf8)
        // The coordinator that answers is not the one the site pinned.
        let impostor = try SigningKey.generate()
        let tls = try TLSContext(role: .server, certificate: Certificate.selfSigned(for: impostor, name: "coordinator", days: 30),
                                 key: impostor, acceptPeer: nil)
        let (port, server) = try await Self.server(configuration: TransportConfiguration(tls: tls))
        defer { server.cancel() }

        var config = fixture.config(adversary: nil)
        config.insecure = false
        config.coordinatorPort = port
        config.initialBackoffSeconds = 0.05
        config.maxBackoffSeconds = 0.1
        let records = LogRecords()
        let worker = try SiteWorker(config: config, logger: records.logger())
        do {
            try await worker.run()
            Issue.record("the worker returned instead of stopping")
        } catch let error as SiteError {
            #expect(error.problem == .coordinatorKeyMismatch(pinned: fixture.coordinatorKey.publicKey.fingerprint.hex,
                                                             presented: impostor.publicKey.fingerprint.hex))
            #expect("\(error)".contains(impostor.publicKey.fingerprint.short))
            #expect("\(error)".contains(fixture.coordinatorKey.publicKey.fingerprint.short))
        }
    }

    @Test("an unreachable coordinator is retried with growing waits and said once at the default level", .timeLimit(.minutes(1)))
    func unreachableIsSaidOnce() async throws {
        let fixture = try AdversarialWorkerTests.Fixture()
        // A port that was free a moment ago: nothing listens there.
        let (port, probe) = try await Self.server()
        probe.cancel()
        _ = await probe.result
        let records = try await Self.run(fixture, port: port, maxBackoff: 0.08) { records in
            records.filter { $0.level == .debug && $0.message.hasPrefix("still") }.count >= 5
        }

        let shown = records.filter { $0.level >= .notice }
        #expect(shown.count == 1, "\(shown)")
        #expect(shown.first?.message.contains("unreachable") == true)
        #expect(shown.first?.message.contains("127.0.0.1:\(port)") == true)
        // Retried several times, each said only at debug level.
        #expect(records.filter { $0.level == .debug && $0.message.hasPrefix("still") }.count >= 5)
    }

    @Test("each lost session is said, and each new one after it is a reconnect", .timeLimit(.minutes(1)))
    func disconnectsAndReconnectsAreSaid() async throws {
        let fixture = try AdversarialWorkerTests.Fixture()
        let key = fixture.coordinatorKey
        // A coordinator that welcomes every session and then closes the connection at once.
        let (port, server) = try await Self.server(handler: { connection in
            var frames = connection.inbound.makeAsyncIterator()
            guard (try? await frames.next()) != nil else { return }
            let welcome = Welcome(component: "titre-regressor", currentVersion: 0, currentVersionID: nil, heartbeatSeconds: 600,
                                  software: "flaky", coordinatorKey: Hex.encode(key.publicKey.rawRepresentation))
            let envelope = Envelope(sender: key.publicKey.fingerprint, session: "s1", challenge: "c1", round: 0, seq: 0)
            guard let frame = try? MessageCodec().encode(.welcome(welcome), envelope: envelope, signer: key) else { return }
            try? await connection.send(frame)
            // Returning closes the connection; give the welcome time to leave first, or on a
            // loaded machine every session ended before its welcome and none was a reconnect.
            try? await Task.sleep(for: .milliseconds(100))
        })
        defer { server.cancel() }
        let records = try await Self.run(fixture, port: port, maxBackoff: 0.04) { records in
            records.filter { $0.message.hasPrefix("reconnected to coordinator") }.count >= 3
        }

        let shown = records.filter { $0.level >= .notice }.map(\.message)
        let connected = shown.filter { $0.hasPrefix("connected to coordinator") }
        let reconnected = shown.filter { $0.hasPrefix("reconnected to coordinator") }
        let disconnected = shown.filter { $0.hasPrefix("disconnected from coordinator") }
        #expect(connected.count == 1, "\(shown)")
        #expect(reconnected.count >= 3, "\(shown)")
        // Every session that ended is said, even with the same cause as the one before.
        #expect(disconnected.count >= reconnected.count, "\(shown)")
    }

    @Test("at the default level the worker says it connected, trained and sent, refused a frame, and evaluated", .timeLimit(.minutes(1)))
    func sessionIsNarrated() async throws {
        let fixture = try AdversarialWorkerTests.Fixture()
        let records = LogRecords()
        let coordinator = try await CoordinatorStandIn(fixture, adversary: nil, logger: records.logger())
        let (parameters, task) = CoordinatorStandIn.titreTask(epochs: 1)
        try await coordinator.send(coordinator.taskFrame(task, parameters: parameters, envelope: coordinator.envelope(1, round: 1)))
        while let received = try await coordinator.next() {
            if case .update = received.message { break }
        }
        // The same task again: a replay, refused and said.
        try await coordinator.send(coordinator.taskFrame(task, parameters: parameters, envelope: coordinator.envelope(1, round: 1)))
        while let received = try await coordinator.next() {
            if case .reject = received.message { break }
        }
        let evaluate = Evaluate(version: 1, versionID: "v1", parametersID: SafeTensors.contentID(parameters))
        try await coordinator.send(coordinator.codec.encode(.evaluate(evaluate), envelope: coordinator.envelope(2, round: 1), tensors: parameters,
                                                            options: PayloadOptions(encoding: .f32, compressionLevel: nil), signer: coordinator.key))
        while let received = try await coordinator.next() {
            if case .evaluation = received.message { break }
        }
        try await coordinator.send(.bye(Bye(reason: "finished")), envelope: coordinator.envelope(3))
        try await coordinator.finished()

        let shown = records.all.filter { $0.level >= .notice }.map(\.message)
        #expect(shown.contains { $0.hasPrefix("connected to coordinator") && $0.contains("model at version 0") && $0.contains("test") }, "\(shown)")
        #expect(shown.contains { $0.hasPrefix("round 1: trained on") && $0.contains("samples in") && $0.hasSuffix("update sent") }, "\(shown)")
        #expect(shown.contains { $0.contains("replay") }, "\(shown)")
        #expect(shown.contains { $0.hasPrefix("version 1: evaluated on") }, "\(shown)")
    }
}

/// Log records kept in memory, for tests that check what an operator would see.
final class LogRecords: @unchecked Sendable {
    struct Record: Sendable {
        var level: Logger.Level
        var message: String
    }

    // `@unchecked`: `records` is only touched under `lock`.
    private let lock = NSLock()
    private var records: [Record] = []

    func add(_ record: Record) { lock.withLock { records.append(record) } }
    var all: [Record] { lock.withLock { records } }

    /// A logger at trace level whose records land here.
    func logger() -> Logger {
        Logger(label: "test") { _ in Handler(records: self) }
    }

    struct Handler: LogHandler {
        let records: LogRecords
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            records.add(Record(level: event.level, message: "\(event.message)"))
        }
    }
}
