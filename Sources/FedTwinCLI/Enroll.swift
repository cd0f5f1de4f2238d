import ArgumentParser
import FedTwinRegistry
import FedTwinWire

/// `fedtwin enroll`: records a site's public key so the coordinator accepts it.
struct Enroll: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Enrol a site: record its public key in the registry (audited, signed by the coordinator key).",
        discussion: "Example: fedtwin enroll --store store --name site-a --key site-a.pub --coordinator-key coordinator.key"
    )

    @OptionGroup var options: StoreOptions

    @Option(help: "Site name: 1–63 lower-case ASCII letters, digits, '.', '_' and '-', starting with a letter or digit.")
    var name: String

    @Option(help: "The site's public key PEM (from `fedtwin keygen`).")
    var key: String

    @Option(help: "The coordinator's private key PEM: it signs the audit entry.")
    var coordinatorKey: String

    func run() throws {
        let registry = try options.open()
        let signer = try CoordinatorKey.load(coordinatorKey, for: registry, options: options)
        let publicKey = try KeyFile.readPublicKey(at: key)
        let site = try options.withStoreErrors { try registry.enroll(name: name, key: publicKey, signer: signer) }
        print("enrolled \(site.name): key \(site.fingerprint.short) (full: \(site.fingerprint.hex))")
    }
}

/// Loads the coordinator key for a store-writing command and checks it is the store's.
enum CoordinatorKey {
    static func load(_ path: String, for registry: Registry, options: StoreOptions) throws -> SigningKey {
        let signer = try KeyFile.readPrivateKey(at: path)
        let expected = try options.withStoreErrors { try registry.info().coordinator }
        guard signer.publicKey.fingerprint == expected else {
            throw CLIError("\(path): key \(signer.publicKey.fingerprint.short) is not the coordinator key of \(options.store) (store.json names \(expected.short))")
        }
        return signer
    }
}
