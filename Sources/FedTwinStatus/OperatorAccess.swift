import FedTwinRegistry
import FedTwinTransport
import FedTwinWire

/// Who may read a status endpoint bound beyond loopback: a client that completes a TLS 1.3
/// handshake with mutual authentication (the coordinator's own certificate on our side, the
/// same libssl handler as the frame port) and whose certificate's key is an enrolled,
/// unrevoked person with role `operator` in the store.
///
/// A missing client certificate or one outside its validity period fails the handshake;
/// a key that is not an operator's gets `403` with the reason code and is logged. The
/// decision reads the store's person records at every request, so a revocation takes
/// effect at the next request, without a restart.
public struct OperatorAccess: Sendable {
    /// The role a person needs to read the endpoint (`fedtwin person enroll --role operator`).
    public static let role = "operator"

    /// The server side of the handshake. Any key may complete it: the key is judged against
    /// the store afterwards, so that the refusal can say why (a handshake alert cannot).
    public let tls: TLSContext
    let registry: Registry

    public init(certificate: Certificate, key: SigningKey, registry: Registry) throws {
        self.tls = try TLSContext(role: .server, certificate: certificate, key: key, acceptPeer: nil)
        self.registry = registry
    }

    /// The verdict on one client key.
    public enum Decision: Sendable, Equatable {
        case allowed(person: String)
        case refused(Refusal)
    }

    /// Why a client was refused; tests and the log match `code`.
    public struct Refusal: Sendable, Equatable, CustomStringConvertible {
        public enum Code: String, Sendable {
            /// The key is no enrolled person's (a site's key, or unknown).
            case notAPerson = "not-a-person"
            /// An enrolled person without the `operator` role.
            case notAnOperator = "not-an-operator"
            /// An operator whose enrolment was revoked.
            case revoked
            /// The person records could not be read: refused rather than served unchecked.
            case storeUnreadable = "store-unreadable"
        }
        public let code: Code
        public let fingerprint: String
        public let person: String?
        public let detail: String

        public var description: String {
            "status endpoint refused key \(fingerprint.prefix(16))\(person.map { " (\($0))" } ?? ""): \(code.rawValue): \(detail)"
        }
    }

    /// Judges `key` against the store's persons as they are now.
    public func decide(_ key: PublicKey) -> Decision {
        let fingerprint = key.fingerprint
        func refuse(_ code: Refusal.Code, _ person: String?, _ detail: String) -> Decision {
            .refused(Refusal(code: code, fingerprint: fingerprint.hex, person: person, detail: detail))
        }
        let persons: [Person]
        do {
            persons = try registry.persons()
        } catch {
            return refuse(.storeUnreadable, nil, "\(error)")
        }
        guard let person = persons.first(where: { $0.fingerprint == fingerprint }) else {
            return refuse(.notAPerson, nil, "the client certificate's key is not an enrolled person's (enrol one with `fedtwin person enroll --role \(Self.role)`)")
        }
        if person.isRevoked {
            return refuse(.revoked, person.name, "\(person.name) was revoked at \(person.revokedAt ?? "?")")
        }
        guard person.roles.contains(Self.role) else {
            return refuse(.notAnOperator, person.name, "\(person.name) has roles \(person.roles.joined(separator: ",")), not \(Self.role)")
        }
        return .allowed(person: person.name)
    }
}
