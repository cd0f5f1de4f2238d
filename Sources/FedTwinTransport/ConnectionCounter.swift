import Foundation

/// Counts a server's open connections against a limit (`TransportConfiguration.maxConnections`
/// for the frame server, `StatusServer.maxConnections` for the status endpoint).
/// Acquired in the child channel initializer (on the child's event loop) and released by
/// the channel's close future, so loops race on it: hence a lock.
///
/// `@unchecked Sendable`: `open` is only touched under `lock`.
public final class ConnectionCounter: @unchecked Sendable {
    private let lock = NSLock()
    private let limit: Int
    private var open = 0

    public init(limit: Int) {
        self.limit = limit
    }

    /// Takes a slot; false when the server is full.
    public func acquire() -> Bool {
        lock.withLock {
            guard open < limit else { return false }
            open += 1
            return true
        }
    }

    /// Gives a slot back (once per successful ``acquire()``).
    public func release() {
        lock.withLock { open -= 1 }
    }

    /// Connections holding a slot now.
    public var count: Int { lock.withLock { open } }
}

/// One connection's claim on a `ConnectionCounter` (the pending-handshake count), given
/// back exactly once: by the guard handler at the first frame, or by the close future,
/// whichever runs first. Both run on the channel's event loop, but the lock keeps the
/// once-only rule true without relying on that.
///
/// `@unchecked Sendable`: `held` is only touched under `lock`.
final class PendingSlot: @unchecked Sendable {
    private let lock = NSLock()
    private let counter: ConnectionCounter
    private var held = true

    init(counter: ConnectionCounter) {
        self.counter = counter
    }

    func release() {
        let release = lock.withLock { () -> Bool in
            defer { held = false }
            return held
        }
        if release { counter.release() }
    }
}
