import FedTwinTransport
import FedTwinWire
import Foundation
import Logging
import Testing
import TwinKit
@testable import FedTwinSite

/// A round's task is one frame addressed to every selected session (`Envelope.recipients`):
/// the site acts on it only when its own session is listed with the seq it expects next.
@Suite("Site worker: multi-addressed frames")
struct AddressingTests {
    /// Plays the coordinator: welcome (session s1), then `frames(coordinatorKey, parameters)`,
    /// then bye. Returns the kinds and reason codes of what the site sent after its hello.
    static func exchange(_ build: (SigningKey, [Tensor], TrainingTask) throws -> [[UInt8]]) async throws -> [String] {
        let fixture = try AdversarialWorkerTests.Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        let worker = try SiteWorker(config: fixture.config(adversary: nil), logger: Logger(label: "test"))
        let (coordinator, site) = InMemoryFrameConnection.makePair()
        let serving = Task { try await worker.serve(site) }
        let codec = MessageCodec()
        let coordinatorKey = fixture.coordinatorKey
        var inbound = coordinator.inbound.makeAsyncIterator()
        _ = try #require(try await inbound.next()) // hello
        let welcome = Welcome(component: "titre-regressor", currentVersion: 0, currentVersionID: nil, heartbeatSeconds: 600,
                              software: "test", coordinatorKey: Hex.encode(coordinatorKey.publicKey.rawRepresentation))
        try await coordinator.send(codec.encode(.welcome(welcome), envelope: Envelope(sender: coordinatorKey.publicKey.fingerprint, session: "s1", challenge: "c1"),
                                                signer: coordinatorKey))
        let parameters = TitreRegressionComponent().initialParameters(seed: 3).wireTensors(dtype: .f32)
        let task = TrainingTask(baseVersion: 0, baseVersionID: "", parametersID: SafeTensors.contentID(parameters), component: "titre-regressor",
                                training: TrainingSettings(epochs: 1, learningRate: 0.01, batchSize: 2, seed: 5), deadlineSeconds: 60,
                                updateEncoding: "f32", updateCompressionLevel: nil)
        let frames = try build(coordinatorKey, parameters, task)
        var seen: [String] = []
        for frame in frames {
            try await coordinator.send(frame)
            let reply = try #require(try await inbound.next())
            let received = try codec.parse(reply).open(with: fixture.key.publicKey)
            switch received.message {
            case .reject(let reject): seen.append("reject \(reject.code.rawValue)")
            default: seen.append(received.message.type.description)
            }
        }
        // Bye addressed to the session directly, with the next seq the site expects.
        try await coordinator.send(codec.encode(.bye(Bye(reason: "finished")),
                                                envelope: Envelope(sender: coordinatorKey.publicKey.fingerprint, session: "s1", challenge: "c1",
                                                                   seq: UInt64(seen.filter { $0 == "update" }.count) + 1),
                                                signer: coordinatorKey))
        _ = try await serving.value
        return seen
    }

    static func taskFrame(_ key: SigningKey, _ parameters: [Tensor], _ task: TrainingTask, _ envelope: Envelope) throws -> [UInt8] {
        try MessageCodec().encode(.task(task), envelope: envelope, tensors: parameters,
                                  options: PayloadOptions(encoding: .f32, compressionLevel: nil), signer: key)
    }

    @Test("a task addressed to several sessions, ours among them with the expected seq, is trained on")
    func listedSessionTrains() async throws {
        let seen = try await Self.exchange { key, parameters, task in
            let envelope = Envelope(sender: key.publicKey.fingerprint, round: 1,
                                    recipients: [.init(session: "s0", seq: 7), .init(session: "s1", seq: 1), .init(session: "s2", seq: 3)])
            return [try Self.taskFrame(key, parameters, task, envelope)]
        }
        #expect(seen == ["update"])
    }

    @Test("a task addressed to other sessions only is refused as wrong-session, not trained on")
    func unlistedSessionRefused() async throws {
        let seen = try await Self.exchange { key, parameters, task in
            let envelope = Envelope(sender: key.publicKey.fingerprint, round: 1, recipients: [.init(session: "s0", seq: 1), .init(session: "s2", seq: 1)])
            return [try Self.taskFrame(key, parameters, task, envelope)]
        }
        #expect(seen == ["reject wrong-session"])
    }

    @Test("the same multi-addressed task sent twice is trained on once; the copy is refused as a replay")
    func replayedBroadcastRefused() async throws {
        let seen = try await Self.exchange { key, parameters, task in
            let envelope = Envelope(sender: key.publicKey.fingerprint, round: 1, recipients: [.init(session: "s1", seq: 1)])
            let frame = try Self.taskFrame(key, parameters, task, envelope)
            return [frame, frame]
        }
        #expect(seen == ["update", "reject replay"])
    }

    @Test("a multi-addressed frame that also names a session in its envelope is ambiguous and refused")
    func ambiguousAddressRefused() async throws {
        let seen = try await Self.exchange { key, parameters, task in
            let envelope = Envelope(sender: key.publicKey.fingerprint, session: "s1", challenge: "c1", round: 1, seq: 1,
                                    recipients: [.init(session: "s1", seq: 1)])
            return [try Self.taskFrame(key, parameters, task, envelope)]
        }
        #expect(seen == ["reject wrong-session"])
    }
}
