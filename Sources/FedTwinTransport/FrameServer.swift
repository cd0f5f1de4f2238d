import Logging
import NIOCore
import NIOPosix

/// Accepts TCP connections and hands each one, as a `FrameConnection`, to a handler.
public enum FrameServer {
    /// What the child channel initializer made of an accepted socket.
    enum Accepted: Sendable {
        /// `active` completes once the socket is registered and active: only then may the
        /// handler write.
        case connection(NIOAsyncChannel<[UInt8], Never>, peer: String, active: EventLoopFuture<Void>, stage: ConnectionStage?)
        /// Over `maxConnections` or `maxPendingHandshakes`: already closed.
        case refused
    }

    /// Binds (port 0 = ephemeral), calls `onBound` with the actual port, then runs until the
    /// task is cancelled, handling each connection in a child of
    /// `withThrowingDiscardingTaskGroup`. Cancelling closes the listener and every connection.
    /// The handler's connection is closed when the handler returns.
    ///
    /// `onRefused` hears of every connection closed at accept (over `maxConnections` or
    /// `maxPendingHandshakes`): the handler never sees those, and the coordinator audits them.
    /// It runs on an event loop and must not block.
    public static func run(
        host: String,
        port: Int,
        configuration: TransportConfiguration = .default,
        logger: Logger,
        onBound: @Sendable (Int) async -> Void,
        onRefused: @escaping @Sendable (TransportError) -> Void = { _ in },
        handler: @escaping @Sendable (any FrameConnection) async -> Void
    ) async throws {
        let counter = ConnectionCounter(limit: configuration.maxConnections)
        let pending = ConnectionCounter(limit: configuration.maxPendingHandshakes)
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: Int32(clamping: configuration.backlog))
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .bind(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture(withResultOf: {
                    let peer = PeerAddress.describe(channel.remoteAddress)
                    func refuse(_ problem: TransportError.Problem) -> Accepted {
                        let error = TransportError(problem, peer: peer)
                        // Reported to the owner through `onRefused` (the coordinator audits and logs it).
                        logger.debug("connection refused", metadata: ["peer": "\(peer)", "error": "\(error)"])
                        channel.close(promise: nil)
                        onRefused(error)
                        return Accepted.refused
                    }
                    guard counter.acquire() else { return refuse(.connectionLimit(configuration.maxConnections)) }
                    guard pending.acquire() else {
                        counter.release()
                        return refuse(.pendingHandshakeLimit(configuration.maxPendingHandshakes))
                    }
                    let slot = PendingSlot(counter: pending)
                    channel.closeFuture.whenComplete { _ in
                        slot.release()
                        counter.release()
                    }
                    let active = channel.eventLoop.makePromise(of: Void.self)
                    let stage = configuration.handshakeLimits.map { ConnectionStage(handshake: $0, ceiling: configuration.limits) }
                    let asyncChannel = try FramePipeline.configure(
                        channel, peer: peer, configuration: configuration, logger: logger, activation: active, pendingSlot: slot, stage: stage)
                    return Accepted.connection(asyncChannel, peer: peer, active: active.futureResult, stage: stage)
                })
            }
        let boundPort = server.channel.localAddress?.port ?? port
        logger.info("listening", metadata: ["host": "\(host)", "port": "\(boundPort)"])
        await onBound(boundPort)
        do {
            try await server.executeThenClose { accepted, _ in
                try await withThrowingDiscardingTaskGroup { group in
                    for try await connection in accepted {
                        guard case .connection(let asyncChannel, let peer, let active, let stage) = connection else { continue }
                        group.addTask {
                            await serve(
                                asyncChannel, peer: peer, active: active, stage: stage, configuration: configuration,
                                logger: logger, handler: handler)
                        }
                    }
                }
            }
        } catch is CancellationError {
            // Shutdown by cancellation is the normal way to stop.
        }
        logger.info("stopped listening", metadata: ["host": "\(host)", "port": "\(boundPort)"])
    }

    /// One connection: pump frames in, run the handler, close when either side is done.
    private static func serve(
        _ asyncChannel: NIOAsyncChannel<[UInt8], Never>,
        peer: String,
        active: EventLoopFuture<Void>,
        stage: ConnectionStage?,
        configuration: TransportConfiguration,
        logger: Logger,
        handler: @escaping @Sendable (any FrameConnection) async -> Void
    ) async {
        do {
            try await active.get()
        } catch {
            // Closed before it became active: nothing to serve, just release the channel.
            try? await asyncChannel.executeThenClose { _, _ in }
            return
        }
        let connection = ChannelFrameConnection(channel: asyncChannel.channel, peer: peer, configuration: configuration, stage: stage)
        logger.debug("connection accepted", metadata: ["peer": "\(peer)"])
        await withDiscardingTaskGroup { group in
            group.addTask { await connection.run(asyncChannel) }
            await withTaskCancellationHandler {
                await handler(connection)
            } onCancel: {
                connection.abort()
            }
            await connection.close()
        }
        logger.debug("connection closed", metadata: ["peer": "\(peer)"])
    }
}
