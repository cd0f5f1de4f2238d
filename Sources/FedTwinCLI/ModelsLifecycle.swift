import ArgumentParser
import FedTwinRegistry

extension ModelsCommand {
    /// `models approve V --as PERSON.key`: the approving signature (role qa); refused unless
    /// the version passed its validation plan.
    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a validated version (e-signature, role qa; audited).",
            discussion: "Refused (and audited) unless the version's validation record says passed."
        )
        @Argument(help: "Version number, 'latest' or id prefix.") var version: String
        @OptionGroup var signing: LifecycleSigning

        func run() throws { try signing.sign(.approved, version) }
    }

    /// `models release V --as PERSON.key [--channel production]`.
    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Release an approved version in a channel (e-signature, role process-owner, not the approver; audited).",
            discussion: "The version released before in the channel becomes superseded. Releasing an earlier approved version is a rollback."
        )
        @Argument(help: "Version number, 'latest' or id prefix.") var version: String
        @OptionGroup var signing: LifecycleSigning

        func run() throws { try signing.sign(.released, version) }
    }

    /// `models retire V --as PERSON.key`.
    struct Retire: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Retire a version: it can no longer be approved or released (e-signature, role qa or process-owner; audited).")
        @Argument(help: "Version number, 'latest' or id prefix.") var version: String
        @OptionGroup var signing: LifecycleSigning

        func run() throws { try signing.sign(.retired, version) }
    }
}

/// What approve, release and retire share.
struct LifecycleSigning: ParsableArguments {
    @OptionGroup var options: StoreOptions
    @OptionGroup var signer: SignerOptions

    @Option(help: "Release channel.")
    var channel = "production"

    @Option(help: "Reason, recorded with the signature.")
    var reason: String?

    @Option(help: "The coordinator's private key PEM: it signs the audit entries.")
    var coordinatorKey: String

    func sign(_ meaning: SignatureRecord.Meaning, _ version: String) throws {
        let registry = try options.open()
        let coordinator = try CoordinatorKey.load(coordinatorKey, for: registry, options: options)
        let number = try options.withStoreErrors { try VersionText.resolve(version, in: registry) }.number
        let credential = try signer.credential()
        let record = try options.withSigningErrors {
            try registry.sign(SignatureRequest(meaning: meaning, number: number, reason: reason, channel: channel), as: credential,
                              policy: signer.policy, coordinator: coordinator)
        }
        let state = try options.withStoreErrors { try registry.lifecycleStates()[number] }
        print("\(meaning.rawValue) version \(number): \(SignatureText.line(record)); state now \(state?.description ?? "?")")
    }
}

/// How a signature record is shown to people: printed name, UTC time, meaning.
enum SignatureText {
    static func line(_ r: SignatureRecord) -> String {
        var text = "\(r.meaning.rawValue) by \(r.printedName) (\(r.person), \(r.role)) at \(VersionText.time(r.time))"
        if let channel = r.channel { text += " [\(channel)]" }
        if let reason = r.reason { text += " — \(reason)" }
        return text + ", signed hash \(r.signedHash.prefix(16))"
    }
}
