import FedTwinWire
import Foundation
import Synchronization
import Testing
import TwinKit
@testable import FedTwinSite

/// The worker's training hook: what `fedtwin-site` draws as "round r: training epoch k/N".
@Suite("Site training activity")
struct TrainingActivityTests {
    final class Heard: Sendable {
        let items = Mutex<[SiteTrainingActivity]>([])
    }

    @Test("a round's local training reports every epoch in order, then its end, before the update goes")
    func epochsInOrderThenEnd() async throws {
        let fixture = try AdversarialWorkerTests.Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        let heard = Heard()
        let coordinator = try await CoordinatorStandIn(fixture, adversary: nil, onTrainingActivity: { a in heard.items.withLock { $0.append(a) } })
        let (parameters, task) = CoordinatorStandIn.titreTask(epochs: 4)
        try await coordinator.send(coordinator.taskFrame(task, parameters: parameters, envelope: coordinator.envelope(1, round: 7)))
        var update: Update?
        while let received = try await coordinator.next() {
            guard case .update(let u) = received.message else { continue }
            update = u
            break
        }
        #expect(update != nil)
        let items = heard.items.withLock { $0 }
        let epochs = items.compactMap { item -> (UInt64, Int, Int)? in
            guard case .epoch(let round, let p) = item else { return nil }
            return (round, p.epoch, p.epochs)
        }
        #expect(epochs.map(\.0) == [7, 7, 7, 7] && epochs.map(\.1) == [1, 2, 3, 4] && epochs.allSatisfy { $0.2 == 4 })
        #expect(items.last == .ended(round: 7))
        // The last epoch's loss is the training loss the update reports.
        if case .epoch(_, let last) = items[items.count - 2], let loss = last.loss {
            #expect(loss.isFinite && loss >= 0)
        } else {
            Issue.record("no loss with the last epoch: \(items)")
        }
        try await coordinator.send(.bye(Bye(reason: "finished")), envelope: coordinator.envelope(2))
        try await coordinator.finished()
    }

    @Test("a task it cannot train is declined with internal-error for that task's seq; the session stays and ends normally")
    func untrainableTaskDeclined() async throws {
        let fixture = try AdversarialWorkerTests.Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        let coordinator = try await CoordinatorStandIn(fixture, adversary: nil)
        var (parameters, task) = CoordinatorStandIn.titreTask(epochs: 2)
        // Parameters of the wrong shape for the site's component.
        parameters = [Tensor(name: parameters[0].name, shape: [1], floats: [1])]
        task.parametersID = SafeTensors.contentID(parameters)
        try await coordinator.send(coordinator.taskFrame(task, parameters: parameters, envelope: coordinator.envelope(1, round: 4)))
        var reject: Reject?
        while let received = try await coordinator.next() {
            if case .update = received.message { Issue.record("an update was sent for an untrainable task"); break }
            guard case .reject(let r) = received.message else { continue }
            reject = r
            break
        }
        #expect(reject?.code == .internalError && reject?.refSeq == 1, "\(String(describing: reject))")
        #expect(reject?.reason.contains("cannot train round 4") == true, "\(String(describing: reject))")
        try await coordinator.send(.bye(Bye(reason: "finished")), envelope: coordinator.envelope(2))
        try await coordinator.finished()
    }
}
