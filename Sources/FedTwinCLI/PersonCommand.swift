import ArgumentParser
import FedTwinRegistry
import FedTwinWire
import Foundation

/// `fedtwin person`: the people who sign, with their roles.
struct PersonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "person",
        abstract: "Enrol, revoke and list the persons who sign (roles, e-signature keys).",
        subcommands: [EnrollPerson.self, RevokePerson.self, ListPersons.self]
    )

    /// `person enroll`: a new key, encrypted under the person's passphrase, and the enrolment.
    struct EnrollPerson: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "enroll",
            abstract: "Enrol a person: generate their Ed25519 key into a passphrase-encrypted PKCS#8 file and record the public key and roles (audited).",
            discussion: "Example: FEDTWIN_PASSPHRASE=… fedtwin person enroll --store store --name qa-anna --printed-name 'Anna Example' --role qa --key-out qa-anna.key --coordinator-key coordinator.key"
        )

        @OptionGroup var options: StoreOptions

        @Option(help: "Person name (same rules as a site name).")
        var name: String

        @Option(help: "Printed name shown with every signature.")
        var printedName: String

        @Option(help: "Role, e.g. qa, process-owner, data-scientist (repeatable).")
        var role: [String]

        @Option(help: "Where to write the encrypted private key (mode 0600; refused if it exists).")
        var keyOut: String

        @OptionGroup var passphrase: PassphraseOptions

        @Option(help: "The coordinator's private key PEM: it signs the audit entry.")
        var coordinatorKey: String

        func run() throws {
            let registry = try options.open()
            let signer = try CoordinatorKey.load(coordinatorKey, for: registry, options: options)
            let secret = try passphrase.read(prompt: "new passphrase for \(name): ")
            guard secret.count >= 8 else { throw CLIError("the passphrase must have at least 8 characters") }
            let key = try SigningKey.generate()
            // The key file first (O_EXCL), so a refused path enrols nobody; a refused
            // enrolment removes the file this command just created.
            do {
                try EncryptedKeyFile.write(key, person: name, passphrase: secret, to: keyOut)
            } catch let error as KeyFileError {
                throw CLIError(error.description)
            }
            let person: Person
            do {
                person = try options.withStoreErrors {
                    try registry.enrollPerson(name: name, printedName: printedName, roles: role, key: key.publicKey, signer: signer)
                }
            } catch {
                try? FileManager.default.removeItem(atPath: keyOut)
                throw error
            }
            print("enrolled person \(name) (\(printedName)), roles \(person.roles.joined(separator: ",")), key \(person.fingerprint.short) → \(keyOut)")
        }
    }

    struct RevokePerson: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a person: they cannot sign from now on (audited).")

        @OptionGroup var options: StoreOptions

        @Option(help: "Person name.")
        var name: String

        @Option(help: "The coordinator's private key PEM: it signs the audit entry.")
        var coordinatorKey: String

        func run() throws {
            let registry = try options.open()
            let signer = try CoordinatorKey.load(coordinatorKey, for: registry, options: options)
            try options.withStoreErrors { try registry.revokePerson(name: name, signer: signer) }
            print("revoked person \(name)")
        }
    }

    struct ListPersons: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Every enrolled person, with roles and revocation.")

        @OptionGroup var options: StoreOptions

        func run() throws {
            let registry = try options.open()
            var table = TextTable(["name", "printed name", "roles", "key", "enrolled (UTC)", "revoked (UTC)"])
            for p in try options.withStoreErrors({ try registry.persons() }) {
                table.add([p.name, p.printedName, p.roles.joined(separator: ","), p.fingerprint.short, VersionText.time(p.enrolledAt),
                           p.revokedAt.map(VersionText.time) ?? "—"])
            }
            print(table.render())
        }
    }
}
