/// Why a TLS session failed: handshake refused, peer key not accepted, expired
/// certificate, or an OpenSSL error (with its error queue).
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case handshake(String)
        case peerNotAccepted(fingerprint: String)
        case peerCertificateNotValidNow(fingerprint: String)
        case noPeerCertificate
        case io(String)
        case closedDuringHandshake
    }

    public var problem: Problem

    public init(_ problem: Problem) { self.problem = problem }

    public var description: String {
        switch problem {
        case .handshake(let detail): return "TLS handshake failed: \(detail)"
        case .peerNotAccepted(let fp): return "TLS peer key \(fp.prefix(16)) is not the pinned/enrolled key"
        case .peerCertificateNotValidNow(let fp): return "TLS peer certificate for key \(fp.prefix(16)) is expired or not yet valid"
        case .noPeerCertificate: return "TLS peer presented no certificate"
        case .io(let detail): return "TLS error: \(detail)"
        case .closedDuringHandshake: return "connection closed during the TLS handshake"
        }
    }
}
