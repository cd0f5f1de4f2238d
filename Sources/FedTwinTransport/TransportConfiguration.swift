import FedTwinWire

/// Limits and timeouts for one server or client. Every default is safe for a deployment
/// reachable from a hostile network; tests and demos shorten the timeouts.
public struct TransportConfiguration: Sendable {
    /// Declared-length bounds checked from each frame's 16-byte prefix, before its body is
    /// buffered. On a server, the ceiling for what an admitted connection may send
    /// (`FrameConnection.admit(limits:)` can only lower it).
    public var limits: FrameLimits
    /// Server only: what a connection may send before its owner admits it — only `hello`
    /// frames within these limits (default `FrameLimits.handshake`: no body, a 16 KiB
    /// header), refused from the prefix otherwise. So a peer that has proved nothing cannot
    /// make the server buffer more than this per connection. nil turns the stage off
    /// (every frame within `limits` from the start), for tests of the framing alone.
    public var handshakeLimits: FrameLimits?
    /// A connection that completes no frame for this long is dropped (a slowloris peer that
    /// sends half a frame and stalls). It applies to both ends, so the runtimes must send
    /// heartbeats more often than this. Time spent with reading paused because our own
    /// consumer is slow is not held against the peer.
    public var readTimeout: Duration
    /// A `send` whose bytes have not left for the kernel within this time closes the
    /// connection: a peer that stops reading cannot pin our memory or a task forever.
    public var writeTimeout: Duration
    /// Server only: accepted connections beyond this many are closed at once.
    public var maxConnections: Int
    /// Server only: most connections that are open but have not yet delivered their first
    /// complete frame (TLS handshake plus the `hello`); more are closed at once. Without it a
    /// flood of silent sockets could take every `maxConnections` slot and lock enrolled
    /// sites out until each socket's timeout fired.
    public var maxPendingHandshakes: Int
    /// Server only: a connection whose first complete frame (TLS handshake plus `hello`) has
    /// not arrived within this time is dropped. Shorter than `readTimeout`, because a peer
    /// that has proved nothing yet deserves less patience than an enrolled, idle site.
    public var handshakeTimeout: Duration
    /// Client only: how long `FrameClient.connect` waits for the TCP handshake.
    public var connectTimeout: Duration
    /// Complete frames held for a slow consumer before the transport stops reading from the
    /// socket (TCP flow control then pushes back on the peer). Bounds memory per connection
    /// to roughly `inboundBufferFrames × limits.maxFrameLength` in the worst case.
    public var inboundBufferFrames: Int
    /// Listen backlog for the server socket.
    public var backlog: Int
    /// TLS 1.3 with mutual authentication, or nil for plain TCP (only when explicitly
    /// asked for: `--insecure`).
    public var tls: TLSContext?
    /// Server only: the signed `reject` to send before closing a connection whose bytes the
    /// decoder refused (unknown version or flag bit, a length over a limit, ...), so that
    /// the peer learns the code PROTOCOL.md §2 names; nil = close without a word. The
    /// transport holds no key, so its owner builds the frame.
    public var refusalAnswer: (@Sendable (FrameError) -> [UInt8]?)?

    public init(
        limits: FrameLimits = .default,
        handshakeLimits: FrameLimits? = .handshake,
        readTimeout: Duration = .seconds(60),
        writeTimeout: Duration = .seconds(60),
        maxConnections: Int = 256,
        maxPendingHandshakes: Int = 32,
        handshakeTimeout: Duration = .seconds(10),
        connectTimeout: Duration = .seconds(10),
        inboundBufferFrames: Int = 4,
        backlog: Int = 256,
        tls: TLSContext? = nil
    ) {
        self.limits = limits
        self.handshakeLimits = handshakeLimits
        self.readTimeout = readTimeout
        self.writeTimeout = writeTimeout
        self.maxConnections = maxConnections
        self.maxPendingHandshakes = maxPendingHandshakes
        self.handshakeTimeout = handshakeTimeout
        self.connectTimeout = connectTimeout
        self.inboundBufferFrames = inboundBufferFrames
        self.backlog = backlog
        self.tls = tls
    }

    /// The defaults above.
    public static let `default` = TransportConfiguration()
}
