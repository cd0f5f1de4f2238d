import FedTwinWire
import Logging
import NIOCore

/// Sits after the decoder and keeps a connection honest: drops it when no complete frame
/// arrives within the read timeout (slowloris), or, on a server, when the first frame
/// (TLS handshake plus `hello`) does not arrive within the handshake timeout; turns every
/// error into a `TransportError` naming the peer, logs it, and closes the connection.
///
/// On a server it also holds the connection's pending-handshake slot and gives it back at
/// the first complete frame (or at close), so that `maxPendingHandshakes` counts exactly
/// the connections that have not yet proved anything.
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
    /// Server only: the deadline for the first complete frame; nil once it arrived.
    private let handshakeTimeout: Duration?
    private var handshakeTimer: Scheduled<Void>?
    private var sawFirstFrame = false
    /// Server only: released at the first frame or at close, whichever comes first.
    private let pendingSlot: PendingSlot?

    /// Server only: builds the `reject` sent before closing on a refused frame (`TransportConfiguration.refusalAnswer`).
    private let refusalAnswer: (@Sendable (FrameError) -> [UInt8]?)?

    init(readTimeout: Duration, peer: String, logger: Logger, activation: EventLoopPromise<Void>?,
         handshakeTimeout: Duration? = nil, pendingSlot: PendingSlot? = nil, refusalAnswer: (@Sendable (FrameError) -> [UInt8]?)? = nil) {
        self.refusalAnswer = refusalAnswer
        self.readTimeout = readTimeout
        self.peer = peer
        self.logger = logger
        self.activation = activation
        self.handshakeTimeout = handshakeTimeout
        self.pendingSlot = pendingSlot
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { becameActive(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
        endHandshakePhase()
        failActivation()
    }

    func channelActive(context: ChannelHandlerContext) {
        becameActive(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        endHandshakePhase()
        failActivation()
        context.fireChannelInactive()
    }

    private func becameActive(context: ChannelHandlerContext) {
        arm(context: context)
        if let handshakeTimeout, !sawFirstFrame, handshakeTimer == nil {
            handshakeTimer = context.eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(handshakeTimeout)) { [self] in
                self.handshakeTimer = nil
                self.fail(context: context, error: TransportError(.handshakeTimeout(handshakeTimeout), peer: self.peer))
            }
        }
        activation?.succeed()
        activation = nil
    }

    private func failActivation() {
        activation?.fail(TransportError(.closed, peer: peer))
        activation = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        arm(context: context)  // a complete frame: the clock starts again
        if !sawFirstFrame {
            sawFirstFrame = true
            endHandshakePhase()
        }
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
        // The error reaches the connection's owner through `inbound`, and the owner reports
        // it with what it knows (the coordinator audits it and logs a warning naming the
        // site or the stage); logging it here as well would say everything twice.
        logger.debug("connection failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
        // Downstream is the async channel handler: it ends `inbound` with this error.
        context.fireErrorCaught(error)
        // A refused frame is answered (PROTOCOL.md §2): the reject is written and flushed now,
        // on the event loop, before the connection's owner can get back to close its side;
        // the connection closes once it is written.
        let channel = context.channel
        if case .frameRefused(let refused) = error.problem, channel.isActive, let answer = refusalAnswer?(refused) {
            context.writeAndFlush(NIOAny(answer)).whenComplete { _ in channel.close(promise: nil) }
            return
        }
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

    /// The first frame arrived or the connection is gone: stop the handshake clock and
    /// give the pending-handshake slot back.
    private func endHandshakePhase() {
        handshakeTimer?.cancel()
        handshakeTimer = nil
        pendingSlot?.release()
    }

    /// Maps pipeline errors to `TransportError`, keeping the frame error and its limit.
    static func transportError(_ error: any Error, peer: String) -> TransportError {
        switch error {
        case let error as TransportError:
            return error
        case let error as TLSError:
            return TransportError(.tls(error), peer: peer)
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
