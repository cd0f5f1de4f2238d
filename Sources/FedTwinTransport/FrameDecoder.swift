import FedTwinWire
import NIOCore

/// Splits the TCP byte stream into complete frames (PROTOCOL.md §1).
///
/// The prefix is checked with `Frame.parsePrefix` as soon as its 16 bytes are buffered, so
/// a bad magic or an oversized declared length is refused before a single body byte is
/// held. Only then does the decoder wait for `prefix.frameLength` bytes and emit them as one
/// `[UInt8]`. Signatures and headers are the runtimes' business, not the transport's.
///
/// On a server the limits depend on the connection's `stage`: until the owner admits it,
/// only a `hello` within `FrameLimits.handshake` passes the prefix. Nothing is reserved for
/// the declared length: the buffer grows with the bytes that actually arrive, so a prefix
/// declaring 255 MiB costs nothing until 255 MiB have been sent.
struct FrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = [UInt8]

    let limits: FrameLimits
    /// Server only: the connection's stage; nil means `limits` apply from the first byte.
    let stage: ConnectionStage?
    let peer: String
    /// The checked prefix of the frame being assembled, if its 16 bytes have arrived.
    private var pending: Frame.Prefix?

    init(limits: FrameLimits, stage: ConnectionStage? = nil, peer: String = "") {
        self.limits = limits
        self.stage = stage
        self.peer = peer
    }

    /// Checks a prefix against the limits of the connection's current stage.
    func checkPrefix(_ bytes: UnsafeRawBufferPointer) throws -> Frame.Prefix {
        guard let stage, stage.sessionLimits == nil else {
            return try Frame.parsePrefix(bytes, limits: stage?.sessionLimits ?? limits)
        }
        let prefix: Frame.Prefix
        do {
            prefix = try Frame.parsePrefix(bytes, limits: stage.handshake)
        } catch let error as FrameError {
            guard case .limitExceeded(let field, let value, let limit) = error.problem else { throw error }
            throw FrameError(.limitExceeded(field: "\(field) before the handshake", value: value, limit: limit))
        }
        guard prefix.type == .hello else {
            throw TransportError(.notAHello(prefix.type), peer: peer)
        }
        return prefix
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = try nextFrame(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    /// The next complete frame in `buffer`, or nil when more bytes are needed. Throws at
    /// the prefix when it is refused.
    mutating func nextFrame(from buffer: inout ByteBuffer) throws -> [UInt8]? {
        let prefix: Frame.Prefix
        if let pending {
            prefix = pending
        } else {
            guard buffer.readableBytes >= Frame.prefixLength else { return nil }
            prefix = try buffer.withUnsafeReadableBytes { bytes in
                try checkPrefix(UnsafeRawBufferPointer(rebasing: bytes.prefix(Frame.prefixLength)))
            }
            pending = prefix
            // No reservation for the declared length: the cumulation buffer grows (by
            // doubling) only as bytes arrive.
        }
        guard buffer.readableBytes >= prefix.frameLength,
              let frame = buffer.readBytes(length: prefix.frameLength)
        else { return nil }
        pending = nil
        return frame
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
