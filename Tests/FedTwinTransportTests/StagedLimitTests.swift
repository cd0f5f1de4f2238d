@testable import FedTwinTransport
import FedTwinWire
import NIOCore
import Testing

/// Issue 10, rule 2: nothing unauthenticated makes the server allocate. Before its owner
/// admits a connection only a `hello` without a body passes the prefix; after, what the
/// owner allows; and nothing is ever reserved for a declared length.
@Suite struct StagedLimitTests {
    /// A handler that admits the connection with `limits` after its first frame, as the
    /// coordinator does once it accepts the `hello`, and echoes every frame.
    static func admitting(_ limits: FrameLimits, into sink: AsyncStream<TestSupport.Event>.Continuation)
        -> @Sendable (any FrameConnection) async -> Void {
        { connection in
            do {
                var first = true
                for try await frame in connection.inbound {
                    sink.yield(.frame(frame))
                    if first { connection.admit(limits: limits) }
                    first = false
                    try await connection.send(frame)
                }
                sink.yield(.finished)
            } catch {
                sink.yield(.failed(error))
            }
        }
    }

    /// Sends `bytes` on a raw connection and waits until the server closes it; fails the
    /// test if that takes more than 5 s, half the 10 s handshake timeout (the refusal must
    /// come from the prefix alone, not from a timeout; a loaded 2-core run stalled every
    /// test for 2 s, so the bound is not tighter).
    static func sendAndExpectClose(_ bytes: [UInt8], port: Int) async throws {
        let started = ContinuousClock.now
        try await TestSupport.within(5, "close after a refused prefix") {
            let raw = try await TestSupport.rawConnect(port: port)
            try await raw.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(bytes: bytes))
                _ = await TestSupport.drainUntilClosed(inbound)
            }
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func aDecoderDoesNotReserveTheDeclaredLength() throws {
        // An admitted connection with room for a 256 MiB body: the prefix alone declares
        // 255 MiB, and the buffer must stay the size of what arrived.
        var decoder = FrameDecoder(limits: .default)
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        buffer.writeBytes(TestSupport.prefix(type: .update, headerLength: 100, bodyLength: 255 << 20))
        #expect(try decoder.nextFrame(from: &buffer) == nil)
        #expect(buffer.capacity < 1 << 20, "reserved \(buffer.capacity) bytes for a frame of which 16 arrived")
        // The frame still completes when its bytes come.
        var whole = ByteBufferAllocator().buffer(capacity: 0)
        let frame = TestSupport.frame(type: .update, bodyLength: 3000)
        whole.writeBytes(frame)
        var fresh = FrameDecoder(limits: .default)
        #expect(try fresh.nextFrame(from: &whole) == frame)
    }

    @Test func beforeTheHandshakeABodyIsRefusedAtThePrefix() async throws {
        let (events, sink) = AsyncStream<TestSupport.Event>.makeStream()
        try await TestSupport.withServer(configuration: .default, handler: TestSupport.recordingHandler(into: sink)) { port in
            // Only the prefix of a hello declaring a 255 MiB body.
            try await Self.sendAndExpectClose(TestSupport.prefix(type: .hello, headerLength: 200, bodyLength: 255 << 20), port: port)
            let error = try await FrameServerTests.firstFailure(events)
            #expect(error.frameError == FrameError(.limitExceeded(field: "body length before the handshake", value: 255 << 20, limit: 0)))
            #expect(error.reasonCode == .limitExceeded)
            #expect(error.stage == "framing")
        }
    }

    @Test func beforeTheHandshakeALargeHeaderIsRefusedAtThePrefix() async throws {
        let (events, sink) = AsyncStream<TestSupport.Event>.makeStream()
        try await TestSupport.withServer(configuration: .default, handler: TestSupport.recordingHandler(into: sink)) { port in
            let declared = FrameLimits.handshake.maxHeaderLength + 1
            try await Self.sendAndExpectClose(TestSupport.prefix(type: .hello, headerLength: declared, bodyLength: 0), port: port)
            let error = try await FrameServerTests.firstFailure(events)
            #expect(error.frameError == FrameError(.limitExceeded(field: "header length before the handshake", value: declared,
                                                                  limit: FrameLimits.handshake.maxHeaderLength)))
        }
    }

    @Test func beforeTheHandshakeOnlyAHelloIsAllowed() async throws {
        let (events, sink) = AsyncStream<TestSupport.Event>.makeStream()
        try await TestSupport.withServer(configuration: .default, handler: TestSupport.recordingHandler(into: sink)) { port in
            try await Self.sendAndExpectClose(TestSupport.prefix(type: .update, headerLength: 10, bodyLength: 0), port: port)
            let error = try await FrameServerTests.firstFailure(events)
            #expect(error.problem == .notAHello(.update))
            #expect(error.reasonCode == .unexpectedMessage)
            #expect("\(error)".contains("before the handshake"))
        }
    }

    @Test func aSecondFrameBeforeAdmissionIsStillHeldToTheHandshakeLimits() async throws {
        let (events, sink) = AsyncStream<TestSupport.Event>.makeStream()
        // The handler never admits: whatever follows the hello is still pre-handshake.
        try await TestSupport.withServer(configuration: .default, handler: TestSupport.recordingHandler(into: sink)) { port in
            let hello = TestSupport.frame(type: .hello, header: #"{"site":"a"}"#)
            try await Self.sendAndExpectClose(hello + TestSupport.prefix(type: .hello, headerLength: 10, bodyLength: 1), port: port)
            let error = try await FrameServerTests.firstFailure(events)
            #expect(error.frameError == FrameError(.limitExceeded(field: "body length before the handshake", value: 1, limit: 0)))
        }
    }

    @Test func anAdmittedConnectionMaySendWhatItsOwnerAllowsAndNoMore() async throws {
        let (events, sink) = AsyncStream<TestSupport.Event>.makeStream()
        let session = FrameLimits(maxHeaderLength: 4096, maxBodyLength: 64 << 10)
        try await TestSupport.withServer(configuration: .default, handler: Self.admitting(session, into: sink)) { port in
            let client = try await FrameClient.connect(host: "127.0.0.1", port: port, logger: TestSupport.logger)
            let hello = TestSupport.frame(type: .hello, header: #"{"site":"a"}"#)
            let update = TestSupport.frame(type: .update, bodyLength: 64 << 10, seed: 3)
            var echoes = client.inbound.makeAsyncIterator()
            try await client.send(hello)
            #expect(try await echoes.next() == hello)
            // Admitted: a body within the owner's limits passes ...
            try await client.send(update)
            #expect(try await echoes.next() == update)
            // ... one byte more is refused from the prefix.
            try await client.send(TestSupport.frame(type: .update, bodyLength: (64 << 10) + 1))
            var error: TransportError?
            for await event in events {
                if case .failed(let failure) = event { error = failure as? TransportError; break }
            }
            #expect(error?.frameError == FrameError(.limitExceeded(field: "body length", value: (64 << 10) + 1, limit: 64 << 10)))
            await client.close()
        }
    }

    @Test func theOwnerCannotRaiseLimitsAboveTheTransportCeiling() {
        let stage = ConnectionStage(handshake: .handshake, ceiling: FrameLimits(maxHeaderLength: 1024, maxBodyLength: 2048))
        #expect(stage.sessionLimits == nil)
        stage.admit(.default)
        #expect(stage.sessionLimits?.maxHeaderLength == 1024)
        #expect(stage.sessionLimits?.maxBodyLength == 2048)
    }
}
