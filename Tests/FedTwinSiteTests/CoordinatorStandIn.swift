import FedTwinTransport
import FedTwinWire
import Foundation
import Logging
import Testing
import TwinKit
@testable import FedTwinSite

/// Plays the coordinator's side of one session with a real `SiteWorker` over an in-memory
/// connection: takes the site's hello and answers with a welcome for session "s1"
/// (challenge "c1"); the test then sends frames and reads what the site answers.
final class CoordinatorStandIn {
    let codec = MessageCodec()
    let key: SigningKey
    private let siteKey: PublicKey
    private let connection: InMemoryFrameConnection
    private var inbound: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator
    private let serving: Task<Void, any Error>

    init(_ fixture: AdversarialWorkerTests.Fixture, adversary: String?, logger: Logger = Logger(label: "test"),
         onTrainingActivity: (@Sendable (SiteTrainingActivity) -> Void)? = nil) async throws {
        var worker = try SiteWorker(config: fixture.config(adversary: adversary), logger: logger)
        worker.onTrainingActivity = onTrainingActivity
        let (coordinator, site) = InMemoryFrameConnection.makePair()
        serving = Task { _ = try await worker.serve(site) }
        connection = coordinator
        key = fixture.coordinatorKey
        siteKey = fixture.key.publicKey
        inbound = coordinator.inbound.makeAsyncIterator()
        _ = try #require(try await inbound.next()) // hello
        let welcome = Welcome(component: "titre-regressor", currentVersion: 0, currentVersionID: nil, heartbeatSeconds: 600,
                              software: "test", coordinatorKey: Hex.encode(key.publicKey.rawRepresentation))
        try await send(.welcome(welcome), envelope: envelope(0))
    }

    /// A single-session envelope in "s1" from the coordinator's key.
    func envelope(_ seq: UInt64, round: UInt64 = 0) -> Envelope {
        Envelope(sender: key.publicKey.fingerprint, session: "s1", challenge: "c1", round: round, seq: seq)
    }

    func send(_ frame: [UInt8]) async throws {
        try await connection.send(frame)
    }

    func send(_ message: Message, envelope: Envelope) async throws {
        try await send(codec.encode(message, envelope: envelope, signer: key))
    }

    /// The site's next frame, opened (and so signature-checked) with its key; nil at the end.
    func next() async throws -> ReceivedMessage? {
        guard let bytes = try await inbound.next() else { return nil }
        return try codec.parse(bytes).open(with: siteKey)
    }

    /// Waits until the worker's session has ended (after a `bye`).
    func finished() async throws {
        try await serving.value
    }

    /// A task for the titre regressor at version 0, with its parameters.
    static func titreTask(epochs: Int) -> (parameters: [Tensor], task: TrainingTask) {
        let parameters = TitreRegressionComponent().initialParameters(seed: 3).wireTensors(dtype: .f32)
        let task = TrainingTask(baseVersion: 0, baseVersionID: "", parametersID: SafeTensors.contentID(parameters), component: "titre-regressor",
                                training: TrainingSettings(epochs: epochs, learningRate: 0.01, batchSize: 2, seed: 5), deadlineSeconds: 60,
                                updateEncoding: "f32", updateCompressionLevel: nil)
        return (parameters, task)
    }

    /// `task` framed as the coordinator sends it: f32 parameters, uncompressed.
    func taskFrame(_ task: TrainingTask, parameters: [Tensor], envelope: Envelope) throws -> [UInt8] {
        try codec.encode(.task(task), envelope: envelope, tensors: parameters,
                         options: PayloadOptions(encoding: .f32, compressionLevel: nil), signer: key)
    }
}
