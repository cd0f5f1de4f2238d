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
    /// Plays the coordinator (welcome for session s1, then the frames `build` makes from the
    /// coordinator stand-in and a titre task, then bye). Returns the kinds and reason codes
    /// of what the site sent after its hello, one answer per frame.
    static func exchange(_ build: (CoordinatorStandIn, [Tensor], TrainingTask) throws -> [[UInt8]]) async throws -> [String] {
        let fixture = try AdversarialWorkerTests.Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        let coordinator = try await CoordinatorStandIn(fixture, adversary: nil)
        let (parameters, task) = CoordinatorStandIn.titreTask(epochs: 1)
        var seen: [String] = []
        for frame in try build(coordinator, parameters, task) {
            try await coordinator.send(frame)
            let received = try #require(try await coordinator.next())
            switch received.message {
            case .reject(let reject): seen.append("reject \(reject.code.rawValue)")
            default: seen.append(received.message.type.description)
            }
        }
        // Bye addressed to the session directly, with the next seq the site expects.
        try await coordinator.send(.bye(Bye(reason: "finished")), envelope: coordinator.envelope(UInt64(seen.filter { $0 == "update" }.count) + 1))
        try await coordinator.finished()
        return seen
    }

    @Test("a task addressed to several sessions, ours among them with the expected seq, is trained on")
    func listedSessionTrains() async throws {
        let seen = try await Self.exchange { coordinator, parameters, task in
            let envelope = Envelope(sender: coordinator.key.publicKey.fingerprint, round: 1,
                                    recipients: [.init(session: "s0", seq: 7), .init(session: "s1", seq: 1), .init(session: "s2", seq: 3)])
            return [try coordinator.taskFrame(task, parameters: parameters, envelope: envelope)]
        }
        #expect(seen == ["update"])
    }

    @Test("a task addressed to other sessions only is refused as wrong-session, not trained on")
    func unlistedSessionRefused() async throws {
        let seen = try await Self.exchange { coordinator, parameters, task in
            let envelope = Envelope(sender: coordinator.key.publicKey.fingerprint, round: 1, recipients: [.init(session: "s0", seq: 1), .init(session: "s2", seq: 1)])
            return [try coordinator.taskFrame(task, parameters: parameters, envelope: envelope)]
        }
        #expect(seen == ["reject wrong-session"])
    }

    @Test("the same multi-addressed task sent twice is trained on once; the copy is refused as a replay")
    func replayedBroadcastRefused() async throws {
        let seen = try await Self.exchange { coordinator, parameters, task in
            let envelope = Envelope(sender: coordinator.key.publicKey.fingerprint, round: 1, recipients: [.init(session: "s1", seq: 1)])
            let frame = try coordinator.taskFrame(task, parameters: parameters, envelope: envelope)
            return [frame, frame]
        }
        #expect(seen == ["update", "reject replay"])
    }

    @Test("a multi-addressed frame that also names a session in its envelope is ambiguous and refused")
    func ambiguousAddressRefused() async throws {
        let seen = try await Self.exchange { coordinator, parameters, task in
            let envelope = Envelope(sender: coordinator.key.publicKey.fingerprint, session: "s1", challenge: "c1", round: 1, seq: 1,
                                    recipients: [.init(session: "s1", seq: 1)])
            return [try coordinator.taskFrame(task, parameters: parameters, envelope: envelope)]
        }
        #expect(seen == ["reject wrong-session"])
    }
}
