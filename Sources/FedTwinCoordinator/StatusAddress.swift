/// Where the read-only status endpoint listens (`--http 127.0.0.1:7451`, config key `http`).
///
/// A loopback address (127.0.0.0/8, `::1`, `localhost`) is served in plain HTTP: only
/// someone on this machine can reach it. Any other address is served only over TLS 1.3 with
/// a client certificate whose key is an enrolled, unrevoked person with role `operator`
/// (`OperatorAccess` in FedTwinStatus), because what the endpoint shows (site names, software
/// versions, losses) is not for the network at large. So a non-loopback address needs TLS,
/// and with `insecure` (no TLS at all) it is refused when the configuration is read, with
/// code `non-loopback-needs-tls` (docs/security.md, "Status endpoint").
public struct StatusAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int

    /// Why an address was refused; tests match `code`.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Code: String, Sendable { case malformed, badPort = "bad-port", nonLoopbackNeedsTLS = "non-loopback-needs-tls" }
        public let code: Code
        public let address: String

        public var description: String {
            switch code {
            case .malformed: return "\"\(address)\" is not HOST:PORT (for example 127.0.0.1:7451)"
            case .badPort: return "\"\(address)\": the port must be 0…65535"
            case .nonLoopbackNeedsTLS:
                return "\"\(address)\" is not a loopback address: beyond loopback the status endpoint is served only over TLS to enrolled operators, and insecure mode turns TLS off (bind to 127.0.0.1, ::1 or localhost, or drop --insecure)"
            }
        }
    }

    /// Why `text` is refused, or nil if it is a HOST:PORT the endpoint can serve: any
    /// address with TLS, only a loopback one when `insecure` (no TLS).
    public static func problem(_ text: String, insecure: Bool = false) -> Problem? {
        do {
            let address = try StatusAddress(text)
            if insecure && !address.isLoopback { return Problem(code: .nonLoopbackNeedsTLS, address: text) }
            return nil
        } catch {
            return error as? Problem
        }
    }

    public init(_ text: String) throws {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw Problem(code: .malformed, address: text)
            }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") else { throw Problem(code: .malformed, address: text) }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
        }
        guard !hostPart.isEmpty, let port = Int(portPart) else { throw Problem(code: .malformed, address: text) }
        guard (0...65535).contains(port) else { throw Problem(code: .badPort, address: text) }
        self.host = String(hostPart)
        self.port = port
    }

    /// Whether only this machine can reach the address: then the endpoint is plain HTTP;
    /// otherwise it is TLS with operator client certificates.
    public var isLoopback: Bool { Self.isLoopback(host) }

    /// 127.0.0.0/8, ::1 and the name localhost.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return false }
        return parts[0] == "127"
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
