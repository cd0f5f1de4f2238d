import FedTwinWire

/// The seam the coordinator and site runtimes use: one bidirectional stream of opaque,
/// complete frames. NIO stays behind it, so runtimes can be unit-tested with
/// `InMemoryFrameConnection` and the transport can gain TLS without changing them.
public protocol FrameConnection: Sendable {
    /// Complete frames as received, in order. Finishes at a clean EOF (or after `close()`),
    /// throws a `TransportError` on a transport or framing error. Single consumer.
    var inbound: AsyncThrowingStream<[UInt8], any Error> { get }
    /// Sends one complete frame; returns once its bytes are handed to the kernel, so a
    /// `send` followed by `close` does not lose the frame. Throws `TransportError`.
    func send(_ frame: [UInt8]) async throws
    /// Closes the connection and waits until it is closed. Idempotent.
    func close() async
    /// The other end, e.g. "127.0.0.1:54321", for logs and audit entries.
    var peer: String { get }
    /// The key the peer proved in the TLS handshake, or nil on a plain connection. The
    /// coordinator requires it to equal the key that signs the site's `hello`.
    func peerKey() async -> PublicKey?
    /// The peer has completed its handshake: frames after this one may be as large as
    /// `limits` (capped by the transport's own `TransportConfiguration.limits`). Until a
    /// server connection is admitted only a `hello` within `FrameLimits.handshake` passes
    /// (`TransportConfiguration.handshakeLimits`). Call it before answering the handshake,
    /// so the peer's next frame is read with the new limits.
    func admit(limits: FrameLimits)
}

extension FrameConnection {
    public func peerKey() async -> PublicKey? { nil }
    /// Connections without stages (clients, in-memory pairs) have nothing to raise.
    public func admit(limits: FrameLimits) {}
}
