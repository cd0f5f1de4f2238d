import FedTwinWire
import Logging
import NIOCore

/// Sits after the decoder and keeps a connection honest: drops it when no complete frame
/// arrives within the read timeout (slowloris), and turns every error into a
/// `TransportError` naming the peer, logs it, and closes the connection.
///
/// The timer is not held against the peer while reading is paused by back-pressure from
/// our own slow consumer: it only fires when the pipeline has asked for more bytes.
final class FrameGuardHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = [UInt8]
    typealias InboundOut = [UInt8]
    typealias OutboundIn = Any
    typealias OutboundOut = Any

    private let readTimeout: Duration
    private let peer: String
    private let logger: Logger
    private var timer: Scheduled<Void>?
    /// True between a `read()` request and the following `channelReadComplete`: the
    /// pipeline wants bytes, so silence is the peer's doing.
    private var readRequested = true
    private var failed = false
    /// Completed when the channel becomes active (or fails if it closes first). An accepted
    /// channel reaches the accept loop before it is registered and active, and a handler
    /// must not write to it before then.
    private var activation: EventLoopPromise<Void>?

    init(readTimeout: Duration, peer: String, logger: Logger, activation: EventLoopPromise<Void>?) {
        self.readTimeout = readTimeout
        self.peer = peer
        self.logger = logger
        self.activation = activation
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { becameActive(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
        failActivation()
    }

    func channelActive(context: ChannelHandlerContext) {
        becameActive(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        failActivation()
        context.fireChannelInactive()
    }

    private func becameActive(context: ChannelHandlerContext) {
        arm(context: context)
        activation?.succeed()
        activation = nil
    }

    private func failActivation() {
        activation?.fail(TransportError(.closed, peer: peer))
        activation = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        arm(context: context)  // a complete frame: the clock starts again
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        readRequested = false
        context.fireChannelReadComplete()
    }

    func read(context: ChannelHandlerContext) {
        readRequested = true
        context.read()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, error: Self.transportError(error, peer: peer))
    }

    private func fail(context: ChannelHandlerContext, error: TransportError) {
        guard !failed else { return }
        failed = true
        disarm()
        switch error.problem {
        case .frameRefused, .truncatedFrame:
            logger.warning("frame refused", metadata: ["peer": "\(peer)", "error": "\(error)"])
        case .readTimeout:
            logger.warning("read timeout", metadata: ["peer": "\(peer)", "error": "\(error)"])
        default:
            logger.debug("connection error", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
        // Downstream is the async channel handler: it ends `inbound` with this error.
        context.fireErrorCaught(error)
        context.close(promise: nil)
    }

    private func arm(context: ChannelHandlerContext) {
        timer?.cancel()
        let amount = TimeAmount(readTimeout)
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: amount) { [self] in
            self.timer = nil
            if self.readRequested {
                self.fail(context: context, error: TransportError(.readTimeout(self.readTimeout), peer: self.peer))
            } else {
                // Paused by our own back-pressure: check again later.
                self.arm(context: context)
            }
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }

    /// Maps pipeline errors to `TransportError`, keeping the frame error and its limit.
    static func transportError(_ error: any Error, peer: String) -> TransportError {
        switch error {
        case let error as TransportError:
            return error
        case let error as FrameError:
            // The decoder only reports `truncated` for an EOF inside a frame.
            if case .truncated(let needed, let available) = error.problem {
                return TransportError(.truncatedFrame(buffered: available, needed: needed), peer: peer)
            }
            return TransportError(.frameRefused(error), peer: peer)
        default:
            return TransportError(.io(String(describing: error)), peer: peer)
        }
    }
}
