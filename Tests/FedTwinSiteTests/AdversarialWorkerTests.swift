import FedTwinTransport
import FedTwinWire
import Foundation
import Logging
import Testing
import TwinKit
@testable import FedTwinSite

/// The adversary inside the real worker: one task over an in-memory connection, answered
/// by an honest and by a malicious worker with the same key, data and seed.
@Suite("Adversarial site worker")
struct AdversarialWorkerTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// A temporary site: key, small simulated data set (titre regressor: trains in ms).
    struct Fixture {
        let directory: URL
        let key: SigningKey
        let coordinatorKey: SigningKey

        init() throws {
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("fedtwin-adversary-worker-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            key = try SigningKey.generate()
            coordinatorKey = try SigningKey.generate()
            try KeyFile.writePrivateKey(key, to: directory.appendingPathComponent("site.key").path)
            var profile = try SiteProfile.load(from: AdversarialWorkerTests.repository.appendingPathComponent("sites/site-a/profile.json"))
            profile.batchCount = 5
            profile.operating.duration = 80
            profile.logging.onlineInterval = 0.5
            _ = try SiteDataset.writeSimulated(profile, to: directory.appendingPathComponent("data"), heldOutFraction: 0.25)
        }

        func config(adversary: String?) -> SiteConfiguration {
            var c = SiteConfiguration()
            c.name = "site-x"
            c.component = "titre-regressor"
            c.key = directory.appendingPathComponent("site.key").path
            c.data = directory.appendingPathComponent("data/data.json").path
            c.log = directory.appendingPathComponent("sent-\(adversary ?? "honest").log").path
            c.coordinatorFingerprint = coordinatorKey.publicKey.fingerprint.hex
            c.insecure = true
            c.adversary = adversary
            return c
        }
    }

    /// Plays the coordinator for one task; returns the update's tensors, opened (and so
    /// signature-checked) with the site's public key.
    static func oneUpdate(_ fixture: Fixture, adversary: String?) async throws -> (tensors: [Tensor], update: Update, sender: Fingerprint) {
        let coordinator = try await CoordinatorStandIn(fixture, adversary: adversary)
        let (parameters, task) = CoordinatorStandIn.titreTask(epochs: 3)
        try await coordinator.send(coordinator.taskFrame(task, parameters: parameters, envelope: coordinator.envelope(1, round: 1)))
        while let received = try await coordinator.next() {
            guard case .update(let update) = received.message else { continue }
            try await coordinator.send(.bye(Bye(reason: "finished")), envelope: coordinator.envelope(2))
            try await coordinator.finished()
            return (received.tensors, update, received.envelope.sender)
        }
        throw SiteError(.protocolViolation("no update"))
    }

    @Test("a malicious site sends the transformed delta, signed with its own enrolled key, and says so in its log")
    func tamperedButSigned() async throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        let honest = try await Self.oneUpdate(fixture, adversary: nil)
        let flipped = try await Self.oneUpdate(fixture, adversary: "sign-flip:3")
        // Opened with the site's key: the signature holds, the sender is the enrolled key.
        #expect(flipped.sender == fixture.key.publicKey.fingerprint)
        #expect(Tensor.l2Norm(honest.tensors) > 0)
        #expect(flipped.tensors == SiteAdversary.signFlip(3).apply(to: honest.tensors, round: 1, seed: 0))
        // Metrics and sample count stay the honest ones: only the delta lies.
        #expect(flipped.update.samples == honest.update.samples)
        let log = try String(contentsOfFile: fixture.config(adversary: "sign-flip:3").logPath, encoding: .utf8)
        #expect(log.contains("\"event\":\"adversary\""))
        #expect(!(try String(contentsOfFile: fixture.config(adversary: nil).logPath, encoding: .utf8)).contains("\"event\":\"adversary\""))
    }

    @Test("a sum-aggregated component cannot be attacked this way: the worker refuses to start")
    func refusesSumComponents() throws {
        let fixture = try Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        var config = fixture.config(adversary: "scale:10")
        config.component = "mspc-monitor"
        let error = #expect(throws: SiteError.self) { try SiteWorker(config: config, logger: Logger(label: "test")) }
        #expect(error?.description.contains("attacks deltas only") == true)
    }
}
