import COpenSSL
import FedTwinWire

/// One side's TLS 1.3 configuration over the system OpenSSL (libssl): its own Ed25519
/// certificate and key, mutual authentication, and a pinning rule for the peer's key.
///
/// Trust does not come from certificate chains: certificates are self-signed carriers of
/// keys, and each side decides by the peer key's fingerprint (`acceptPeer`). Chain
/// verification is therefore switched off in OpenSSL and replaced by that check plus a
/// validity-period check, after the handshake.
///
/// `@unchecked Sendable`: the `SSL_CTX` is configured in `init` and only read afterwards
/// (creating `SSL` objects from it), which OpenSSL allows from several threads.
public final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer
    /// Decides whether a peer key is acceptable (pinning); nil means any key (the
    /// coordinator checks the key against enrolments at `hello` instead, so that an
    /// unknown key is refused with a reason and audited rather than dropped silently).
    let acceptPeer: (@Sendable (PublicKey) -> Bool)?
    let role: Role

    public enum Role: Sendable { case server, client }

    public init(role: Role, certificate: Certificate, key: SigningKey, acceptPeer: (@Sendable (PublicKey) -> Bool)?) throws {
        guard certificate.publicKey == key.publicKey else {
            throw OpenSSLError(operation: "TLSContext", queue: ["certificate is for key \(certificate.publicKey.fingerprint.short), not \(key.publicKey.fingerprint.short)"])
        }
        guard let context = SSL_CTX_new(TLS_method()) else { throw OpenSSLError.drain("SSL_CTX_new") }
        self.context = context
        self.acceptPeer = acceptPeer
        self.role = role
        guard fedtwin_SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION) == 1 else { throw OpenSSLError.drain("SSL_CTX_set_min_proto_version") }
        guard SSL_CTX_use_certificate(context, certificate.unsafePointer) == 1 else { throw OpenSSLError.drain("SSL_CTX_use_certificate") }
        guard SSL_CTX_use_PrivateKey(context, key.unsafePointer) == 1 else { throw OpenSSLError.drain("SSL_CTX_use_PrivateKey") }
        guard SSL_CTX_check_private_key(context) == 1 else { throw OpenSSLError.drain("SSL_CTX_check_private_key") }
        // Both sides present a certificate; the chain itself is not judged (see above).
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT) { _, _ in 1 }
    }

    deinit { SSL_CTX_free(context) }
}
