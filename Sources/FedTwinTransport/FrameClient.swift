import Logging
import NIOCore
import NIOPosix

/// Opens outbound TCP connections that carry frames.
public enum FrameClient {
    /// Connects within `configuration.connectTimeout` and returns the connection. Its reader
    /// runs in a task of its own until the connection closes; call `close()` when done.
    /// Throws `TransportError(.connectFailed)`.
    public static func connect(
        host: String,
        port: Int,
        configuration: TransportConfiguration = .default,
        logger: Logger
    ) async throws -> any FrameConnection {
        let peer = "\(host):\(port)"
        let asyncChannel: NIOAsyncChannel<[UInt8], Never>
        do {
            asyncChannel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(configuration.connectTimeout))
                .channelOption(.tcpOption(.tcp_nodelay), value: 1)
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture(withResultOf: {
                        try FramePipeline.configure(channel, peer: peer, configuration: configuration, logger: logger)
                    })
                }
        } catch {
            let failure = TransportError(.connectFailed(String(describing: error)), peer: peer)
            logger.debug("connect failed", metadata: ["peer": "\(peer)", "error": "\(failure)"])
            throw failure
        }
        logger.debug("connected", metadata: ["peer": "\(peer)"])
        let connection = ChannelFrameConnection(channel: asyncChannel.channel, peer: peer, configuration: configuration)
        // `connect` must return the connection, so its reader cannot be a child task here.
        // The task ends when the channel closes (EOF, error, timeout or `close()`).
        Task { await connection.run(asyncChannel) }
        return connection
    }
}
