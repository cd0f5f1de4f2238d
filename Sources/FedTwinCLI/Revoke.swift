import ArgumentParser
import FedTwinRegistry

/// `fedtwin revoke`: stops accepting a site's key; its past contributions stay verifiable.
struct Revoke: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Revoke a site: its key is refused from now on (audited, signed by the coordinator key).",
        discussion: "The enrolment is kept, marked revoked, so that versions the site contributed to still verify."
    )

    @OptionGroup var options: StoreOptions

    @Option(help: "Site name as enrolled.")
    var name: String

    @Option(help: "The coordinator's private key PEM: it signs the audit entry.")
    var coordinatorKey: String

    func run() throws {
        let registry = try options.open()
        let signer = try CoordinatorKey.load(coordinatorKey, for: registry, options: options)
        try options.withStoreErrors { try registry.revoke(name: name, signer: signer) }
        let site = try options.withStoreErrors { try registry.site(named: name) }
        print("revoked \(name): key \(site?.fingerprint.short ?? "?") refused from now on (revoked at \(site?.revokedAt ?? "?"))")
    }
}
