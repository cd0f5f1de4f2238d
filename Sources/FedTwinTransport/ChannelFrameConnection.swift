import FedTwinWire
import Logging
import NIOCore

/// A `FrameConnection` over a NIO channel whose pipeline `FramePipeline` configured.
///
/// Inbound: `run` owns the `NIOAsyncChannel` scope (`executeThenClose`) and moves decoded
/// frames into a bounded `FrameInbox`, which `inbound` drains; back-pressure reaches the
/// socket. Outbound: `send` writes straight to the channel and waits for the write to
/// complete, so a frame sent before `close()` is not dropped by the close, and a slow peer
/// slows the sender rather than growing a queue.
final class ChannelFrameConnection: FrameConnection {
    let peer: String
    let inbound: AsyncThrowingStream<[UInt8], any Error>
    private let channel: any Channel
    private let inbox: FrameInbox
    private let writeTimeout: Duration
    /// Server only: what the peer may send before and after `admit(limits:)`.
    private let stage: ConnectionStage?

    func peerKey() async -> PublicKey? {
        let channel = self.channel
        return try? await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.handler(type: TLSHandler.self).peerKey
        }.get()
    }

    func admit(limits: FrameLimits) {
        stage?.admit(limits)
    }

    init(channel: any Channel, peer: String, configuration: TransportConfiguration, stage: ConnectionStage? = nil) {
        let inbox = FrameInbox(capacity: configuration.inboundBufferFrames)
        self.channel = channel
        self.peer = peer
        self.inbox = inbox
        self.writeTimeout = configuration.writeTimeout
        self.stage = stage
        self.inbound = AsyncThrowingStream(unfolding: { try await inbox.next() })
    }

    /// Pumps frames from the channel into the inbox until EOF, an error, or `close()`;
    /// then the channel is closed.
    func run(_ asyncChannel: NIOAsyncChannel<[UInt8], Never>) async {
        let inbox = self.inbox
        let peer = self.peer
        do {
            try await asyncChannel.executeThenClose { frames, _ in
                do {
                    for try await frame in frames {
                        guard await inbox.put(frame) else { break }
                    }
                    inbox.finish()
                } catch {
                    inbox.finish(throwing: FrameGuardHandler.transportError(error, peer: peer))
                }
            }
        } catch {
            inbox.finish(throwing: FrameGuardHandler.transportError(error, peer: peer))
        }
    }

    func send(_ frame: [UInt8]) async throws {
        let channel = self.channel
        guard channel.isActive else { throw TransportError(.closed, peer: peer) }
        let started = ContinuousClock.now
        let promise = channel.eventLoop.makePromise(of: Void.self)
        channel.writeAndFlush(frame, promise: promise)
        // A peer that stops reading must not hold this task (and the frame) forever.
        let timeout = channel.eventLoop.scheduleTask(in: TimeAmount(writeTimeout)) {
            channel.close(promise: nil)
        }
        do {
            try await promise.futureResult.get()
            timeout.cancel()
        } catch {
            timeout.cancel()
            if ContinuousClock.now - started >= writeTimeout {
                throw TransportError(.writeTimeout(writeTimeout), peer: peer)
            }
            if let channelError = error as? ChannelError, channelError == .ioOnClosedChannel || channelError == .alreadyClosed {
                throw TransportError(.closed, peer: peer)
            }
            throw FrameGuardHandler.transportError(error, peer: peer)
        }
    }

    func close() async {
        inbox.close()
        channel.close(promise: nil)
        try? await channel.closeFuture.get()
    }

    /// Non-async close for cancellation handlers: the channel closes, `run` then ends.
    func abort() {
        channel.close(promise: nil)
    }
}
