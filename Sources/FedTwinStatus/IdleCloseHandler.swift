import NIOCore

/// Closes a connection when the `IdleStateHandler` before it reports it idle: a peer that
/// opens the TLS status port and stalls (mid-handshake or between requests) does not keep
/// its socket for ever.
final class IdleCloseHandler: ChannelInboundHandler {
    typealias InboundIn = NIOAny

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }
}
