import NIOCore

/// "host:port" for logs and errors ("[::1]:port" for IPv6), rather than NIO's verbose
/// `SocketAddress` description.
public enum PeerAddress {
    public static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else {
            return address.map { "\($0)" } ?? "unknown"
        }
        if case .v6 = address { return "[\(ip)]:\(port)" }
        return "\(ip):\(port)"
    }
}
