import FedTwinWire
import NIOCore

/// Splits the TCP byte stream into complete frames (PROTOCOL.md §1).
///
/// The prefix is checked with `Frame.parsePrefix` as soon as its 16 bytes are buffered, so
/// a bad magic or an oversized declared length is refused before a single body byte is
/// held. Only then does the decoder wait for `prefix.frameLength` bytes and emit them as one
/// `[UInt8]`. Signatures and headers are the runtimes' business, not the transport's.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]

    let limits: FrameLimits
    /// The checked prefix of the frame being assembled, if its 16 bytes have arrived.
    private var pending: Frame.Prefix?

    init(limits: FrameLimits) {
        self.limits = limits
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let prefix: Frame.Prefix
        if let pending {
            prefix = pending
        } else {
            guard buffer.readableBytes >= Frame.prefixLength else { return .needMoreData }
            prefix = try buffer.withUnsafeReadableBytes { bytes in
                try Frame.parsePrefix(UnsafeRawBufferPointer(rebasing: bytes.prefix(Frame.prefixLength)), limits: limits)
            }
            pending = prefix
            // Grow the cumulation buffer once rather than by repeated doubling for big frames.
            let missing = prefix.frameLength - buffer.readableBytes
            if missing > 0 { buffer.reserveCapacity(minimumWritableBytes: missing) }
        }
        guard buffer.readableBytes >= prefix.frameLength,
              let frame = buffer.readBytes(length: prefix.frameLength)
        else { return .needMoreData }
        pending = nil
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 {
            // EOF inside a frame: refuse it rather than finish the stream as if all were well.
            throw FrameError(.truncated(needed: pending?.frameLength ?? Frame.prefixLength, available: buffer.readableBytes))
        }
        return .needMoreData
    }
}
