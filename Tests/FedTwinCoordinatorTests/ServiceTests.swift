import FedTwinAggregation
import FedTwinCoordinator
import FedTwinRegistry
import FedTwinTransport
import FedTwinWire
import Foundation
import Logging
import Testing

@Suite("Coordinator service")
struct ServiceTests {
    /// A one-tensor store in memory and a coordinator on it listening on `port`.
    static func coordinator(port: Int) throws -> Coordinator {
        let key = try SigningKey.generate()
        let schema = ParameterSchema(tensors: [TensorSpec(name: "w", dtype: .f32, shape: [2])])
        let registry = try Registry.create(storage: InMemoryStorage(), component: ComponentSpec(id: "test", schema: schema, aggregation: .mean),
                                           initialParameters: [Tensor(name: "w", shape: [2], floats: [1, 2])],
                                           signer: key, software: "test")
        var config = CoordinatorConfiguration()
        config.port = port
        config.insecure = true
        return try Coordinator(registry: registry, key: key, config: config, logger: Logger(label: "test"))
    }

    @Test("a port already in use ends the service at once with a bind error naming the address", .timeLimit(.minutes(1)))
    func portInUse() async throws {
        let (bound, boundContinuation) = AsyncStream<Int>.makeStream()
        let occupant = Task {
            try await FrameServer.run(host: "127.0.0.1", port: 0, logger: Logger(label: "occupant"),
                                      onBound: { boundContinuation.yield($0) }, handler: { _ in })
        }
        defer { occupant.cancel() }
        var ports = bound.makeAsyncIterator()
        let port = try #require(await ports.next())

        let coordinator = try Self.coordinator(port: port)
        let events = EventRecorder()
        do {
            try await coordinator.runService(transport: TransportConfiguration(tls: nil), onBound: { _ in events.add("bound") })
            Issue.record("the service ran on a port that was already in use")
        } catch let error as TransportError {
            #expect(error.peer == "127.0.0.1:\(port)")
            guard case .bindFailed(let reason) = error.problem else {
                Issue.record("expected bindFailed, got \(error.problem)")
                return
            }
            #expect(reason.contains("in use"))
            #expect("\(error)".contains("127.0.0.1:\(port)"))
        }
        #expect(events.all.isEmpty)
    }

    @Test("a free port is bound before the round loop runs, and the service ends when the coordinator stops", .timeLimit(.minutes(1)))
    func freePort() async throws {
        let coordinator = try Self.coordinator(port: 0)
        let events = EventRecorder()
        try await coordinator.runService(transport: TransportConfiguration(tls: nil), onBound: { port in
            events.add("bound \(port > 0)")
            await coordinator.stop(reason: "test")
        })
        #expect(events.all == ["bound true"])
    }
}

/// Collects strings from `@Sendable` callbacks.
final class EventRecorder: @unchecked Sendable {
    // `@unchecked`: `items` is only touched under `lock`.
    private let lock = NSLock()
    private var items: [String] = []
    func add(_ item: String) { lock.withLock { items.append(item) } }
    var all: [String] { lock.withLock { items } }
}
