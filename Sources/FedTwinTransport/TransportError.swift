import FedTwinWire

/// Why a connection failed or was dropped, and with whom. Carries the `FrameError` (with
/// the field and limit involved) when the peer's bytes were refused.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        /// The peer's bytes are not a frame within our limits; the connection was closed.
        case frameRefused(FrameError)
        /// Before its handshake completed the peer declared a frame other than `hello`
        /// (refused from the 16-byte prefix, before anything else is buffered).
        case notAHello(MessageType)
        /// The peer closed the connection part way through a frame.
        case truncatedFrame(buffered: Int, needed: Int)
        /// No complete frame arrived within `TransportConfiguration.readTimeout`.
        case readTimeout(Duration)
        /// A send did not complete within `TransportConfiguration.writeTimeout`.
        case writeTimeout(Duration)
        /// The server was at `TransportConfiguration.maxConnections`.
        case connectionLimit(Int)
        /// The server already had `TransportConfiguration.maxPendingHandshakes` connections
        /// that had not yet sent their first frame.
        case pendingHandshakeLimit(Int)
        /// No first complete frame (TLS handshake plus `hello`) within
        /// `TransportConfiguration.handshakeTimeout`.
        case handshakeTimeout(Duration)
        /// The TLS session failed or the peer's certificate was refused (expired, not
        /// pinned, not TLS at all).
        case tls(TLSError)
        /// The TCP connection could not be established in time, or at all.
        case connectFailed(String)
        /// The connection is closed (locally or by the peer); nothing more can be sent.
        case closed
        /// An I/O error from the socket (reset, broken pipe, ...).
        case io(String)
        /// The listener could not bind its address (in use, not local, no permission);
        /// `peer` is the address, the string the OS error.
        case bindFailed(String)
    }

    public var problem: Problem
    /// "host:port" of the other end, or "host:port" we tried to reach.
    public var peer: String

    public init(_ problem: Problem, peer: String) {
        self.problem = problem
        self.peer = peer
    }

    /// The frame error, when the peer's bytes were refused.
    public var frameError: FrameError? {
        if case .frameRefused(let error) = problem { return error }
        return nil
    }

    public var description: String {
        switch problem {
        case .frameRefused(let error): return "frame from \(peer) refused: \(error)"
        case .notAHello(let type): return "frame from \(peer) refused: a \(type) frame before the handshake completed (only hello is allowed)"
        case .truncatedFrame(let buffered, let needed):
            return "\(peer) closed the connection mid-frame (\(buffered) of \(needed) bytes)"
        case .readTimeout(let timeout): return "no complete frame from \(peer) within \(timeout) (read timeout)"
        case .writeTimeout(let timeout): return "sending to \(peer) did not complete within \(timeout) (write timeout)"
        case .connectionLimit(let limit): return "connection from \(peer) refused: \(limit) connections already open (max connections)"
        case .pendingHandshakeLimit(let limit):
            return "connection from \(peer) refused: \(limit) connections already waiting for their handshake (max pending handshakes)"
        case .handshakeTimeout(let timeout): return "no TLS handshake and hello from \(peer) within \(timeout) (handshake timeout)"
        case .tls(let error): return "TLS with \(peer) failed: \(error)"
        case .connectFailed(let reason): return "could not connect to \(peer): \(reason)"
        case .closed: return "connection to \(peer) is closed"
        case .io(let reason): return "I/O error on connection with \(peer): \(reason)"
        case .bindFailed(let reason): return "cannot listen on \(peer): \(reason)"
        }
    }
}
