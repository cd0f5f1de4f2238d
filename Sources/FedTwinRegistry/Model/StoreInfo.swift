import FedTwinAggregation
import FedTwinWire

/// `store.json`: what the store holds and who signs it.
public struct StoreInfo: Sendable, Codable, Equatable {
    public var format: Int
    public var component: ComponentSpec
    /// Raw coordinator public key (hex) and its fingerprint: verification needs nothing else.
    public var coordinatorKey: String
    public var coordinator: Fingerprint
    public var createdAt: String

    public init(format: Int = 1, component: ComponentSpec, coordinatorKey: String, coordinator: Fingerprint, createdAt: String) {
        self.format = format
        self.component = component
        self.coordinatorKey = coordinatorKey
        self.coordinator = coordinator
        self.createdAt = createdAt
    }

    public func key() throws -> PublicKey {
        guard let raw = Hex.decode(coordinatorKey) else { throw RegistryError(path: "store.json", problem: "coordinatorKey is not hex") }
        return try PublicKey(rawRepresentation: raw)
    }
}
