import FedTwinTransport
import FedTwinWire
import Foundation
import NIOCore
import Testing

/// `maxPendingHandshakes` and `handshakeTimeout`: a connection counts as pending from
/// accept until its first complete frame, and is dropped if that frame does not come in
/// time. (Over TLS the first frame comes after the handshake; these run over plain TCP,
/// where the rule is the same.)
@Suite struct PendingHandshakeTests {
    @Test func silentConnectionsBeyondTheLimitAreRefusedAndReported() async throws {
        let configuration = TransportConfiguration(handshakeLimits: nil, maxConnections: 8, maxPendingHandshakes: 1, handshakeTimeout: .seconds(20))
        let (refusals, refusalSink) = AsyncStream<TransportError>.makeStream()
        // Signals each connection the server took on, so that the test knows `silent` holds
        // the pending slot before `second` connects (the kernel completes both TCP
        // handshakes before the server's accept runs, so connecting alone does not say so).
        let (served, servedSink) = AsyncStream<Void>.makeStream()
        let record = TestSupport.recordingHandler(echo: true, into: AsyncStream<TestSupport.Event>.makeStream().continuation)
        try await TestSupport.withServer(configuration: configuration, onRefused: { refusalSink.yield($0) },
                                         handler: { connection in servedSink.yield(); await record(connection) }) { port in
            try await TestSupport.within(30, "pending-handshake limit") {
                let silent = try await TestSupport.rawConnect(port: port)
                var servedConnections = served.makeAsyncIterator()
                _ = await servedConnections.next()
                try await silent.executeThenClose { silentIn, silentOut in
                    // The second silent connection finds the only pending slot taken.
                    let second = try await TestSupport.rawConnect(port: port)
                    try await second.executeThenClose { inbound, _ in _ = await TestSupport.drainUntilClosed(inbound) }
                    var reported = refusals.makeAsyncIterator()
                    let refusal = await reported.next()
                    #expect(refusal?.problem == .pendingHandshakeLimit(1), "\(String(describing: refusal))")
                    #expect(refusal?.reasonCode == .limitExceeded)

                    // Once the first connection delivers a frame it is no longer pending: a new one is admitted.
                    let ping = TestSupport.frame(bodyLength: 4)
                    try await silentOut.write(ByteBuffer(bytes: ping))
                    var echoes = silentIn.makeAsyncIterator()
                    _ = try await echoes.next()
                    var admitted = false
                    for _ in 0..<50 where !admitted {
                        let client = try await FrameClient.connect(host: "127.0.0.1", port: port, logger: TestSupport.logger)
                        try? await client.send(ping)
                        var iterator = client.inbound.makeAsyncIterator()
                        admitted = ((try? await iterator.next()) ?? nil) == ping
                        await client.close()
                        if !admitted { try await Task.sleep(for: .milliseconds(20)) }
                    }
                    #expect(admitted)
                }
            }
        }
    }

    @Test func noFirstFrameWithinTheHandshakeTimeoutDropsTheConnection() async throws {
        let configuration = TransportConfiguration(handshakeLimits: nil, readTimeout: .seconds(20), handshakeTimeout: .milliseconds(300))
        let (events, eventSink) = AsyncStream<TestSupport.Event>.makeStream()
        try await TestSupport.withServer(configuration: configuration, handler: TestSupport.recordingHandler(echo: true, into: eventSink)) { port in
            try await TestSupport.within(30, "handshake timeout") {
                let started = ContinuousClock.now
                let silent = try await TestSupport.rawConnect(port: port)
                // Half a prefix: bytes arrive, but no complete frame.
                try await silent.executeThenClose { inbound, outbound in
                    // On a loaded machine the 300 ms timeout can close the connection before this
                    // write: the close is what the test waits for either way.
                    try? await outbound.write(ByteBuffer(bytes: Array(TestSupport.frame().prefix(8))))
                    _ = await TestSupport.drainUntilClosed(inbound)
                }
                let waited = ContinuousClock.now - started
                #expect(waited >= .milliseconds(250) && waited < .seconds(5), "closed after \(waited)")
                var iterator = events.makeAsyncIterator()
                guard case .failed(let error) = await iterator.next() else {
                    Issue.record("the handler saw no error")
                    return
                }
                let transport = error as? TransportError
                #expect(transport?.problem == .handshakeTimeout(.milliseconds(300)), "\(error)")
                #expect(transport?.reasonCode == .timeout)
            }
        }
    }
}
