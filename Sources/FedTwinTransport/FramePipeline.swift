import Logging
import NIOCore

/// Builds the per-connection pipeline shared by server and client:
///
///     [TLS (issue 5, goes first)] → FrameDecoder → FrameEncoder → FrameGuardHandler → NIOAsyncChannel
///
/// A TLS handler is inserted at the head, before the handler named `decoderName`, so the
/// framing sees plaintext and nothing else changes.
enum FramePipeline {
    static let tlsName = "fedtwin.tls"
    static let decoderName = "fedtwin.frame-decoder"
    static let encoderName = "fedtwin.frame-encoder"
    static let guardName = "fedtwin.frame-guard"

    /// The async wrapper's back-pressure: at most a few decoded frames wait in NIO.
    static func asyncConfiguration() -> NIOAsyncChannel<[UInt8], Never>.Configuration {
        .init(backPressureStrategy: .init(lowWatermark: 1, highWatermark: 2), inboundType: [UInt8].self)
    }

    /// Adds the framing handlers and wraps the channel. Must run on the channel's event loop.
    /// `activation`, if given, completes when the channel is active (see `FrameGuardHandler`).
    /// `pendingSlot` is given on the server only: it turns on the handshake timeout and is
    /// released at the first complete frame. `stage` is given on the server only: it holds
    /// the decoder to `FrameLimits.handshake` until the owner admits the connection.
    static func configure(
        _ channel: any Channel, peer: String, configuration: TransportConfiguration, logger: Logger,
        activation: EventLoopPromise<Void>? = nil, pendingSlot: PendingSlot? = nil, stage: ConnectionStage? = nil
    ) throws -> NIOAsyncChannel<[UInt8], Never> {
        let sync = channel.pipeline.syncOperations
        if let tls = configuration.tls {
            try sync.addHandler(try TLSHandler(context: tls), name: tlsName)
        }
        try sync.addHandler(ByteToMessageHandler(FrameDecoder(limits: configuration.limits, stage: stage, peer: peer)), name: decoderName)
        try sync.addHandler(FrameEncoder(), name: encoderName)
        try sync.addHandler(FrameGuardHandler(
            readTimeout: configuration.readTimeout, peer: peer, logger: logger, activation: activation,
            handshakeTimeout: pendingSlot == nil ? nil : configuration.handshakeTimeout, pendingSlot: pendingSlot,
            refusalAnswer: pendingSlot == nil ? nil : configuration.refusalAnswer), name: guardName)
        return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: asyncConfiguration())
    }
}
