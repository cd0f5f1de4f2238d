import FedTwinTransport
import FedTwinWire
import Logging
import NIOCore
import NIOPosix
import Testing

/// Helpers shared by the transport tests: frames, a loopback server fixture, a raw byte
/// client and bounded waits. Every wait has a generous bound so a slow CI box fails a test
/// rather than hanging it.
enum TestSupport {
    static let logger: Logger = {
        var logger = Logger(label: "fedtwin.transport.tests")
        logger.logLevel = .warning
        return logger
    }()

    /// A structurally valid frame (the transport never checks signatures): prefix, header,
    /// body of `bodyLength` patterned bytes, 64-byte signature.
    static func frame(type: MessageType = .heartbeat, header: String = "{}", bodyLength: Int = 0, seed: UInt8 = 0) -> [UInt8] {
        let headerBytes = Array(header.utf8)
        var bytes = prefix(type: type, headerLength: headerBytes.count, bodyLength: bodyLength)
        bytes += headerBytes
        bytes.reserveCapacity(bytes.count + bodyLength + Frame.signatureLength)
        for i in 0..<bodyLength { bytes.append(UInt8(truncatingIfNeeded: i &* 31 &+ Int(seed))) }
        bytes += [UInt8](repeating: 0xA5 ^ seed, count: Frame.signatureLength)
        return bytes
    }

    /// A 16-byte prefix declaring the given lengths.
    static func prefix(magic: [UInt8] = Frame.magic, type: MessageType = .heartbeat, headerLength: Int, bodyLength: Int) -> [UInt8] {
        var bytes = magic
        bytes.append(Frame.version)
        bytes.append(type.rawValue)
        bytes += [0, 0]
        withUnsafeBytes(of: UInt32(headerLength).littleEndian) { bytes += $0 }
        withUnsafeBytes(of: UInt32(bodyLength).littleEndian) { bytes += $0 }
        return bytes
    }

    /// The defaults without the handshake stage: tests of the framing alone send any frame
    /// first, not a `hello` (StagedLimitTests covers the stage).
    static let unstaged = TransportConfiguration(handshakeLimits: nil)

    struct TimedOut: Error, CustomStringConvertible {
        var what: String
        var description: String { "timed out waiting for \(what)" }
    }

    /// Runs `body`, failing with `TimedOut` if it takes longer than `seconds`.
    static func within<T: Sendable>(
        _ seconds: Double, _ what: String, _ body: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw TimedOut(what: what) }
            return value
        }
    }

    /// Starts a loopback server on an ephemeral port, runs `body` with the port, then
    /// cancels the server and waits for it to stop. `onRefused` sees the connections the
    /// server refused at accept.
    static func withServer<T: Sendable>(
        configuration: TransportConfiguration = unstaged,
        onRefused: @escaping @Sendable (TransportError) -> Void = { _ in },
        handler: @escaping @Sendable (any FrameConnection) async -> Void,
        _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> T {
        let (ports, portSink) = AsyncStream<Int>.makeStream()
        let server = Task {
            defer { portSink.finish() }
            try await FrameServer.run(
                host: "127.0.0.1", port: 0, configuration: configuration, logger: logger,
                onBound: { port in portSink.yield(port) }, onRefused: onRefused,
                handler: handler)
        }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else {
            try await server.value  // surfaces the bind error
            throw TimedOut(what: "server bind")
        }
        let result: T
        do {
            result = try await body(port)
        } catch {
            server.cancel()
            throw error
        }
        server.cancel()
        try await within(5, "server shutdown") { try await server.value }
        return result
    }

    /// Events a test server handler reports back to the test.
    enum Event: Sendable {
        case frame([UInt8])
        case finished
        case failed(any Error)
    }

    /// A handler that reports every frame and how its inbound ended, optionally echoing.
    static func recordingHandler(
        echo: Bool = false, into sink: AsyncStream<Event>.Continuation
    ) -> @Sendable (any FrameConnection) async -> Void {
        { connection in
            do {
                for try await frame in connection.inbound {
                    sink.yield(.frame(frame))
                    if echo { try await connection.send(frame) }
                }
                sink.yield(.finished)
            } catch {
                sink.yield(.failed(error))
            }
        }
    }

    /// A raw TCP client that writes arbitrary bytes, for hostile-peer tests.
    static func rawConnect(port: Int) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture(withResultOf: {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                })
            }
    }

    /// Reads until the server closes the connection; returns how many bytes arrived.
    static func drainUntilClosed(_ inbound: NIOAsyncChannelInboundStream<ByteBuffer>) async -> Int {
        var total = 0
        do {
            for try await buffer in inbound { total += buffer.readableBytes }
        } catch {
            // A reset counts as closed too.
        }
        return total
    }
}
