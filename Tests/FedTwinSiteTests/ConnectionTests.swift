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
    @Test("a coordinator whose key is not the pinned one stops the worker with both fingerprints", .timeLimit(.minutes(1)))
    func wrongPinStops() async throws {
        let fixture = try AdversarialWorkerTests.Fixture()
        let siteCertificate = try Certificate.selfSigned(for: fixture.key, name: "site-x", days: 30)
        try siteCertificate.pemRepresentation.write(to: fixture.directory.appendingPathComponent("site.crt"), atomically: true, encoding: .utf8)
        // The coordinator that answers is not the one the site pinned.
        let impostor = try SigningKey.generate()
        let tls = try TLSContext(role: .server, certificate: Certificate.selfSigned(for: impostor, name: "coordinator", days: 30),
                                 key: impostor, acceptPeer: nil)
        let (bound, boundContinuation) = AsyncStream<Int>.makeStream()
        let server = Task {
            try await FrameServer.run(host: "127.0.0.1", port: 0, configuration: TransportConfiguration(tls: tls),
                                      logger: Logger(label: "impostor"), onBound: { boundContinuation.yield($0) }, handler: { _ in })
        }
        defer { server.cancel() }
        var ports = bound.makeAsyncIterator()
        let port = try #require(await ports.next())

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
        let (bound, boundContinuation) = AsyncStream<Int>.makeStream()
        let probe = Task {
            try await FrameServer.run(host: "127.0.0.1", port: 0, logger: Logger(label: "probe"),
                                      onBound: { boundContinuation.yield($0) }, handler: { _ in })
        }
        var ports = bound.makeAsyncIterator()
        let port = try #require(await ports.next())
        probe.cancel()
        _ = await probe.result

        var config = fixture.config(adversary: nil)
        config.coordinatorPort = port
        config.initialBackoffSeconds = 0.02
        config.maxBackoffSeconds = 0.08
        let records = LogRecords()
        let worker = try SiteWorker(config: config, logger: records.logger())
        let running = Task { try await worker.run() }
        try await Task.sleep(for: .seconds(1.5))
        running.cancel()
        try await running.value

        let shown = records.all.filter { $0.level >= .notice }
        #expect(shown.count == 1, "\(shown)")
        #expect(shown.first?.message.contains("unreachable") == true)
        #expect(shown.first?.message.contains("127.0.0.1:\(port)") == true)
        // Retried several times, each said only at debug level.
        #expect(records.all.filter { $0.level == .debug && $0.message.hasPrefix("still") }.count >= 3)
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
