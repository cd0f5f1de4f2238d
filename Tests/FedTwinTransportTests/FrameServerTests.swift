import FedTwinTransport
import FedTwinWire
import NIOCore
import NIOPosix
import Testing

/// Loopback server + client: frames, limits, timeouts and shutdown over real sockets.
@Suite struct FrameServerTests {
    @Test func framesRoundTripBothDirections() async throws {
        let frames = [
            TestSupport.frame(bodyLength: 0, seed: 1),
            TestSupport.frame(type: .update, header: #"{"round":1}"#, bodyLength: 1000, seed: 2),
            TestSupport.frame(type: .update, bodyLength: 1 << 20, seed: 3),
            TestSupport.frame(type: .bye, bodyLength: 7, seed: 4),
        ]
        let (events, sink) = AsyncStream<TestSupport.Event>.makeStream()
        let greeting = TestSupport.frame(type: .welcome, header: #"{"hi":true}"#, bodyLength: 3, seed: 9)
        let handler: @Sendable (any FrameConnection) async -> Void = { connection in
            // Server speaks first, then echoes.
            try? await connection.send(greeting)
            await TestSupport.recordingHandler(echo: true, into: sink)(connection)
        }
        try await TestSupport.withServer(handler: handler) { port in
            try await TestSupport.within(10, "round trip") {
                let client = try await FrameClient.connect(
                    host: "127.0.0.1", port: port, configuration: .default, logger: TestSupport.logger)
                #expect(client.peer == "127.0.0.1:\(port)")
                var received = client.inbound.makeAsyncIterator()
                let first = try await received.next()
                #expect(first == greeting)
                for frame in frames { try await client.send(frame) }
                for frame in frames {
                    let echoed = try await received.next()
                    #expect(echoed?.count == frame.count)
                    let same = echoed == frame
                    #expect(same, "echoed frame differs")
                }
                await client.close()
            }
        }
        var seen: [[UInt8]] = []
        for await event in events {
            if case .frame(let frame) = event { seen.append(frame) } else { break }
        }
        #expect(seen.count == frames.count)
        let same = seen == frames
        #expect(same, "frames differ")
    }

    @Test func largeFrameSplitAcrossManyWrites() async throws {
        let frames = [
            TestSupport.frame(type: .update, bodyLength: 1 << 20, seed: 5),
            TestSupport.frame(bodyLength: 0, seed: 6),
            TestSupport.frame(type: .update, bodyLength: 33_333, seed: 7),
        ]
        let stream = frames.flatMap { $0 }
        let (events, sink) = AsyncStream<TestSupport.Event>.makeStream()
        try await TestSupport.withServer(handler: TestSupport.recordingHandler(into: sink)) { port in
            try await TestSupport.within(10, "chunked frames") {
                let raw = try await TestSupport.rawConnect(port: port)
                try await raw.executeThenClose { _, outbound in
                    // Odd chunk size so frame boundaries and the 16-byte prefix fall mid-chunk.
                    var offset = 0
                    while offset < stream.count {
                        let end = min(stream.count, offset + 4093)
                        try await outbound.write(ByteBuffer(bytes: stream[offset..<end]))
                        offset = end
                    }
                }
            }
            var seen: [[UInt8]] = []
            try await TestSupport.within(10, "frames at the server") {
                var seen: [[UInt8]] = []
                for await event in events {
                    switch event {
                    case .frame(let frame): seen.append(frame)
                    case .finished: return seen
                    case .failed(let error): Issue.record("unexpected error \(error)"); return seen
                    }
                }
                return seen
            }.forEach { seen.append($0) }
            #expect(seen.map(\.count) == frames.map(\.count))
            let same = seen == frames
        #expect(same, "frames differ")
        }
    }

    @Test func oversizedHeaderClosesBeforeBody() async throws {
        let (events, sink) = AsyncStream<TestSupport.Event>.makeStream()
        try await TestSupport.withServer(handler: TestSupport.recordingHandler(into: sink)) { port in
            let limit = FrameLimits.default.maxHeaderLength
            let started = ContinuousClock.now
            try await TestSupport.within(5, "close after oversized prefix") {
                let raw = try await TestSupport.rawConnect(port: port)
                try await raw.executeThenClose { inbound, outbound in
                    // Only the prefix: the server must refuse without waiting for 2 MiB.
                    try await outbound.write(ByteBuffer(bytes: TestSupport.prefix(headerLength: 2 * limit, bodyLength: 0)))
                    _ = await TestSupport.drainUntilClosed(inbound)
                }
            }
            // Well below the 10 s handshake and 60 s read timeouts: refused from the prefix.
            #expect(ContinuousClock.now - started < .seconds(5))
            let error = try await Self.firstFailure(events)
            #expect(error.frameError == FrameError(.limitExceeded(field: "header length", value: 2 * limit, limit: limit)))
            #expect(error.peer.hasPrefix("127.0.0.1:"))
            #expect("\(error)".contains("exceeds the limit"))
        }
    }

    @Test func oversizedBodyRefusedWithConfiguredLimit() async throws {
        let (events, sink) = AsyncStream<TestSupport.Event>.makeStream()
        let configuration = TransportConfiguration(limits: FrameLimits(maxHeaderLength: 1024, maxBodyLength: 4096), handshakeLimits: nil)
        try await TestSupport.withServer(configuration: configuration, handler: TestSupport.recordingHandler(into: sink)) { port in
            let client = try await FrameClient.connect(host: "127.0.0.1", port: port, configuration: configuration, logger: TestSupport.logger)
            // The client's own decoder is not involved: the limit is the server's.
            try await client.send(TestSupport.frame(bodyLength: 4097))
            let ended = try await TestSupport.within(5, "client sees closure") {
                do { for try await _ in client.inbound {} ; return true } catch { return true }
            }
            #expect(ended)
            let error = try await Self.firstFailure(events)
            #expect(error.frameError == FrameError(.limitExceeded(field: "body length", value: 4097, limit: 4096)))
            await client.close()
        }
    }

    @Test func badMagicCloses() async throws {
        let (events, sink) = AsyncStream<TestSupport.Event>.makeStream()
        try await TestSupport.withServer(handler: TestSupport.recordingHandler(into: sink)) { port in
            try await TestSupport.within(5, "close after bad magic") {
                let raw = try await TestSupport.rawConnect(port: port)
                try await raw.executeThenClose { inbound, outbound in
                    try await outbound.write(ByteBuffer(string: "GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
                    _ = await TestSupport.drainUntilClosed(inbound)
                }
            }
            let error = try await Self.firstFailure(events)
            guard case .badMagic = error.frameError?.problem else {
                Issue.record("expected bad magic, got \(error)")
                return
            }
        }
    }

    @Test func halfFrameThenStallIsDroppedAfterReadTimeout() async throws {
        let configuration = TransportConfiguration(handshakeLimits: nil, readTimeout: .milliseconds(300))
        let (events, sink) = AsyncStream<TestSupport.Event>.makeStream()
        try await TestSupport.withServer(configuration: configuration, handler: TestSupport.recordingHandler(into: sink)) { port in
            let frame = TestSupport.frame(bodyLength: 1000)
            let started = ContinuousClock.now
            try await TestSupport.within(5, "slowloris drop") {
                let raw = try await TestSupport.rawConnect(port: port)
                try await raw.executeThenClose { inbound, outbound in
                    // On a loaded machine the 300 ms timeout can close the connection before this
                    // write: the close is what the test waits for either way.
                    try? await outbound.write(ByteBuffer(bytes: frame[0..<(frame.count / 2)]))
                    _ = await TestSupport.drainUntilClosed(inbound)
                }
            }
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(250))
            #expect(elapsed < .seconds(3))
            let error = try await Self.firstFailure(events)
            #expect(error.problem == .readTimeout(.milliseconds(300)))
        }
    }

    @Test func eofMidFrameIsAnError() async throws {
        let (events, sink) = AsyncStream<TestSupport.Event>.makeStream()
        try await TestSupport.withServer(handler: TestSupport.recordingHandler(into: sink)) { port in
            let frame = TestSupport.frame(bodyLength: 100)
            let raw = try await TestSupport.rawConnect(port: port)
            try await raw.executeThenClose { _, outbound in
                try await outbound.write(ByteBuffer(bytes: frame[0..<50]))
            }
            let error = try await Self.firstFailure(events)
            #expect(error.problem == .truncatedFrame(buffered: 50, needed: frame.count))
        }
    }

    @Test func cleanEOFFinishesInbound() async throws {
        let (events, sink) = AsyncStream<TestSupport.Event>.makeStream()
        let handler: @Sendable (any FrameConnection) async -> Void = { connection in
            await TestSupport.recordingHandler(into: sink)(connection)
        }
        try await TestSupport.withServer(handler: handler) { port in
            let client = try await FrameClient.connect(host: "127.0.0.1", port: port, logger: TestSupport.logger)
            let frames = [TestSupport.frame(seed: 1), TestSupport.frame(bodyLength: 10, seed: 2)]
            for frame in frames { try await client.send(frame) }
            await client.close()
            // Sending after close is refused with a clear error.
            await #expect(throws: TransportError.self) { try await client.send(frames[0]) }
            let outcome = try await TestSupport.within(5, "server sees EOF") {
                var seen: [[UInt8]] = []
                for await event in events {
                    switch event {
                    case .frame(let frame): seen.append(frame)
                    case .finished: return (seen, true)
                    case .failed: return (seen, false)
                    }
                }
                return (seen, false)
            }
            #expect(outcome.0 == frames)
            #expect(outcome.1, "inbound should finish without an error at a clean EOF")
        }
    }

    @Test func serverClosingFinishesClientInbound() async throws {
        let bye = TestSupport.frame(type: .bye)
        try await TestSupport.withServer(handler: { connection in
            try? await connection.send(bye)
            // Returning closes the connection after the send completed.
        }) { port in
            let client = try await FrameClient.connect(host: "127.0.0.1", port: port, logger: TestSupport.logger)
            let received = try await TestSupport.within(5, "client EOF") {
                var frames: [[UInt8]] = []
                for try await frame in client.inbound { frames.append(frame) }
                return frames
            }
            #expect(received == [bye])
            await client.close()
        }
    }

    @Test func maxConnectionsEnforced() async throws {
        let configuration = TransportConfiguration(handshakeLimits: nil, maxConnections: 2)
        let handler = TestSupport.recordingHandler(echo: true, into: AsyncStream<TestSupport.Event>.makeStream().continuation)
        try await TestSupport.withServer(configuration: configuration, handler: handler) { port in
            try await TestSupport.within(10, "connection limit") {
                let ping = TestSupport.frame(bodyLength: 4)
                func connectAndPing() async throws -> (any FrameConnection, Bool) {
                    let connection = try await FrameClient.connect(host: "127.0.0.1", port: port, logger: TestSupport.logger)
                    try? await connection.send(ping)
                    var iterator = connection.inbound.makeAsyncIterator()
                    let echoed = (try? await iterator.next()) ?? nil
                    return (connection, echoed == ping)
                }
                let (first, firstOK) = try await connectAndPing()
                let (second, secondOK) = try await connectAndPing()
                #expect(firstOK && secondOK)
                let (third, thirdOK) = try await connectAndPing()
                #expect(!thirdOK, "the third connection should be closed at once")
                await third.close()
                // A slot frees when a connection closes; the release is asynchronous, so retry briefly.
                await first.close()
                var admitted = false
                for _ in 0..<50 where !admitted {
                    let (again, ok) = try await connectAndPing()
                    await again.close()
                    admitted = ok
                    if !ok { try await Task.sleep(for: .milliseconds(20)) }
                }
                #expect(admitted)
                await second.close()
            }
        }
    }

    @Test func cancellingServerClosesConnections() async throws {
        let (connected, connectedSink) = AsyncStream<Void>.makeStream()
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let server = Task {
            try await FrameServer.run(
                host: "127.0.0.1", port: 0, configuration: .default, logger: TestSupport.logger,
                onBound: { portSink.yield($0) },
                handler: { connection in
                    connectedSink.yield()
                    // A handler that ignores its connection: cancellation must still close it.
                    try? await Task.sleep(for: .seconds(60))
                })
        }
        var portIterator = ports.makeAsyncIterator()
        let port = try #require(await portIterator.next())
        let client = try await FrameClient.connect(host: "127.0.0.1", port: port, logger: TestSupport.logger)
        var connectedIterator = connected.makeAsyncIterator()
        await connectedIterator.next()
        server.cancel()
        try await TestSupport.within(5, "server stop") { try await server.value }
        let ended = try await TestSupport.within(5, "client EOF after shutdown") {
            do { for try await _ in client.inbound {} } catch {}
            return true
        }
        #expect(ended)
        await client.close()
        // The listener is gone too.
        await #expect(throws: TransportError.self) {
            _ = try await FrameClient.connect(host: "127.0.0.1", port: port, logger: TestSupport.logger)
        }
    }

    @Test func connectFailureIsATransportError() async throws {
        let configuration = TransportConfiguration(handshakeLimits: nil, connectTimeout: .seconds(2))
        // Bind and release an ephemeral port so nothing listens on it.
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(listener.localAddress?.port)
        try await listener.close()
        let error = await #expect(throws: TransportError.self) {
            _ = try await FrameClient.connect(host: "127.0.0.1", port: port, configuration: configuration, logger: TestSupport.logger)
        }
        if case .connectFailed = error?.problem {} else { Issue.record("expected connectFailed, got \(String(describing: error))") }
        #expect(error?.peer == "127.0.0.1:\(port)")
    }

    /// The first error a recording handler reported.
    static func firstFailure(_ events: AsyncStream<TestSupport.Event>) async throws -> TransportError {
        try await TestSupport.within(5, "handler error") {
            for await event in events {
                switch event {
                case .frame: continue
                case .finished: throw TestSupport.TimedOut(what: "an error (inbound finished cleanly)")
                case .failed(let error):
                    guard let error = error as? TransportError else {
                        throw TestSupport.TimedOut(what: "a TransportError, got \(error)")
                    }
                    return error
                }
            }
            throw TestSupport.TimedOut(what: "an error (no events)")
        }
    }
}
