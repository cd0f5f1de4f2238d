import FedTwinWire
import NIOCore

extension ChannelPipeline.SynchronousOperations {
    /// Puts the project's TLS 1.3 handler (system libssl, memory BIOs; see `TLSHandler`) at
    /// the head of a pipeline that carries something other than frames — the status
    /// endpoint's HTTP — so that one TLS implementation, with one set of checks (TLS 1.3
    /// only, a peer certificate required, its validity period, `TLSContext.acceptPeer`),
    /// serves every port. `onPeerKey` hears the peer's key once the handshake has completed
    /// and passed those checks, on the event loop, before any plaintext goes up the
    /// pipeline. Must run on the channel's event loop.
    public func addFedTwinTLS(_ context: TLSContext, onPeerKey: @escaping (PublicKey) -> Void = { _ in }) throws {
        try addHandler(try TLSHandler(context: context, onPeerKey: onPeerKey), name: FramePipeline.tlsName)
    }
}
