/// Where the read-only status endpoint listens (`--http 127.0.0.1:7451`, config key `http`).
///
/// Only loopback addresses are accepted: the endpoint has no TLS yet, and what it shows
/// (site names, software versions, losses) is for the operator of this machine. A
/// non-loopback address is refused when the configuration is read, with code
/// `non-loopback`, rather than served in the clear (docs/security.md, "Status endpoint").
public struct StatusAddress: Sendable, Equatable, CustomStringConvertible {
    public let host: String
    public let port: Int

    /// Why an address was refused; tests match `code`.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public enum Code: String, Sendable { case malformed, badPort = "bad-port", nonLoopback = "non-loopback" }
        public let code: Code
        public let address: String

        public var description: String {
            switch code {
            case .malformed: return "\"\(address)\" is not HOST:PORT (for example 127.0.0.1:7451)"
            case .badPort: return "\"\(address)\": the port must be 0…65535"
            case .nonLoopback:
                return "\"\(address)\" is not a loopback address: the status endpoint has no TLS, so it binds to 127.0.0.1, ::1 or localhost only (reach it from elsewhere through an SSH tunnel)"
            }
        }
    }

    /// Why `text` is refused, or nil if it is a loopback HOST:PORT.
    public static func problem(_ text: String) -> Problem? {
        do {
            _ = try StatusAddress(text)
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
        guard Self.isLoopback(String(hostPart)) else { throw Problem(code: .nonLoopback, address: text) }
        self.host = String(hostPart)
        self.port = port
    }

    /// 127.0.0.0/8, ::1 and the name localhost.
    static func isLoopback(_ host: String) -> Bool {
        if host == "localhost" || host == "::1" { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts.allSatisfy({ UInt8($0) != nil }) else { return false }
        return parts[0] == "127"
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
