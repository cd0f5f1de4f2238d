import NIOCore

/// Writes an outbound frame (already laid out and signed by the wire layer) as bytes.
/// Frames carry their own length prefix, so nothing is added.
final class FrameEncoder: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = [UInt8]
    typealias OutboundOut = ByteBuffer

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let frame = Self.unwrapOutboundIn(data)
        let buffer = context.channel.allocator.buffer(bytes: frame)
        context.write(Self.wrapOutboundOut(buffer), promise: promise)
    }
}
