import NIOCore
import Synchronization

extension StatusClient {
    /// Remembers the first error that went up the client's pipeline (the TLS handler's,
    /// say). A TLS session can fail before the request is even written; the write then
    /// fails only with "channel closed", and this keeps the reason that matters.
    final class FirstError: ChannelInboundHandler, Sendable {
        typealias InboundIn = NIOAny
        let error = Mutex<(any Error)?>(nil)

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            self.error.withLock { if $0 == nil { $0 = error } }
            context.fireErrorCaught(error)
        }
    }
}
