import FedTwinWire
import Synchronization

/// What a server connection may send at its stage (issue 10, rule 2: nothing
/// unauthenticated can make the coordinator allocate).
///
/// Before the owner admits the connection (the coordinator does so when it accepts the
/// `hello`, before it answers `welcome`), only `hello` frames within `handshake` are
/// allowed: a peer that has proved nothing cannot declare a body or a large header. Once
/// admitted, frames may be as large as the limits the owner gives, never above the
/// transport's own `ceiling`.
///
/// Written by the connection's owner (any task), read by the decoder on the event loop:
/// hence the lock. The owner admits before it sends `welcome`, and the peer sends nothing
/// else before it has the `welcome`, so the decoder sees the new limits in time.
final class ConnectionStage: Sendable {
    let handshake: FrameLimits
    let ceiling: FrameLimits
    private let admitted = Mutex<FrameLimits?>(nil)

    init(handshake: FrameLimits, ceiling: FrameLimits) {
        self.handshake = handshake
        self.ceiling = ceiling
    }

    /// The limits for frames from now on: the owner's, capped by the transport's.
    func admit(_ limits: FrameLimits) {
        var capped = limits
        capped.maxHeaderLength = min(limits.maxHeaderLength, ceiling.maxHeaderLength)
        capped.maxBodyLength = min(limits.maxBodyLength, ceiling.maxBodyLength)
        admitted.withLock { $0 = capped }
    }

    /// The admitted limits, or nil while the connection is still in its handshake.
    var sessionLimits: FrameLimits? { admitted.withLock { $0 } }
}

extension FrameLimits {
    /// What a peer may send before its handshake completes: a `hello`, which has no body,
    /// with a header of at most 16 KiB (a real `hello` header is a few hundred bytes).
    public static let handshake = FrameLimits(maxHeaderLength: 16 << 10, maxBodyLength: 0)
}
