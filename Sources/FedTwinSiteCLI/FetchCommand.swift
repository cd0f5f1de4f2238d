import ArgumentParser
import FedTwinCommandLine
import FedTwinRegistry
import FedTwinSite
import FedTwinWire
import Foundation

/// `fedtwin-site fetch`: installs the released version of a component for use at the site
/// without a training session (issue 14 §4). The release comes as a release package
/// (`fedtwin models export V --format package`), carried by whatever transfer the site's
/// change control uses; the package verifies itself, so the transfer need not be trusted.
/// The site pins the coordinator key (as for training) and, with `--signer`, the keys of the
/// persons who may approve and release for it.
struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Verify a release package and install its released version for offline use (twin evaluate, monitor).",
        discussion: """
            The package (written by `fedtwin models export V --format package`) must verify completely: \
            the coordinator's signature (pinned by --coordinator-fingerprint or the config's), every file's \
            hash, the manifest, validation record and e-signatures, and the lifecycle — the version must be \
            released in --channel by its own signature records, and was the channel's release when exported. \
            With --signer NAME=FINGERPRINT (repeatable) every approval and release signature must be by a \
            pinned person with the pinned key; without it the persons' keys are those the package carries, \
            which only the coordinator's signature vouches for. Nothing is installed if a check fails (exit 1). \
            The release is installed under RELEASES/COMPONENT/CHANNEL (replacing an earlier one) and verified \
            again at every use: `fedtwin twin evaluate --release DIR`, `fedtwin monitor --release DIR`. \
            The site's own options apply: --coordinator-fingerprint (required, or the --config file's \
            coordinatorFingerprint) and --component (the component id the release must be; default any).
            Example: fedtwin-site fetch --package pkg --channel production --coordinator-fingerprint 1a2b3c4d5e6f7a8b \\
              --signer qa-anna=0123456789abcdef --signer po-ben=fedcba9876543210
            """
    )

    @Option(help: "The release package directory (as exported by `fedtwin models export --format package`).") var package: String
    @Option(help: "Release channel the version must be released in.") var channel: String = "production"
    /// `--coordinator-fingerprint`, `--config` and `--component` are the site command's own
    /// options (a subcommand cannot declare them again): read from it.
    @ParentCommand var site: SiteCommand
    @Option(name: .customLong("signer"), help: ArgumentHelp("A person whose approval or release the site accepts, with their key's fingerprint (16–64 hex digits, from `fedtwin person list`). Repeatable.", valueName: "name=fingerprint"))
    var signers: [String] = []
    @Option(help: "Directory of installed releases.") var releases: String = "releases"
    @Flag(help: "Machine-readable JSON (sorted keys).") var json = false

    func run() throws {
        var fingerprint = site.coordinatorFingerprint
        let expected = site.component
        if let config = site.config {
            do {
                let c = try SiteConfiguration.load(from: config)
                if fingerprint == nil, !c.coordinatorFingerprint.isEmpty { fingerprint = c.coordinatorFingerprint }
            } catch {
                throw OperatorError("\(config): \(error)")
            }
        }
        guard let fingerprint else { throw OperatorError("give --coordinator-fingerprint (or --config with coordinatorFingerprint): the site pins the coordinator key") }
        var pins: [String: String] = [:]
        for text in signers {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw OperatorError("--signer must be NAME=FINGERPRINT, got '\(text)'") }
            guard pins[parts[0]] == nil else { throw OperatorError("--signer \(parts[0]) given twice") }
            pins[parts[0]] = parts[1].lowercased()
        }
        let requirement = ReleaseRequirement(channel: channel, coordinatorFingerprint: fingerprint.lowercased(), signers: pins, component: expected)
        do { try requirement.validate() } catch { throw OperatorError("\(error)") }
        let files: [String: [UInt8]]
        do { files = try ReleasePackage.readDirectory(package) } catch { throw OperatorError("\(error)") }
        let result: (directory: String, report: VerificationReport, release: VerifiedRelease?)
        do {
            result = try InstalledRelease.install(ReleasePackage(files: files), requirement: requirement, releases: releases, source: package)
        } catch {
            throw OperatorError("\(error)")
        }
        if json {
            var object: [String: Any] = [
                "package": package, "channel": channel, "installed": result.release != nil,
                "checks": result.report.checks.map { ["subject": $0.subject, "ok": $0.ok, "detail": $0.detail] },
            ]
            if let r = result.release {
                object["directory"] = result.directory
                object["version"] = r.version
                object["versionID"] = r.versionID
                object["component"] = r.component.id
                object["state"] = r.state.description
                object["signersPinned"] = r.signersPinned
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
        } else {
            for check in result.report.checks where !check.ok || !check.subject.hasPrefix("file ") {
                print("\(check.ok ? "✓" : "✗") \(check.subject): \(check.detail)")
            }
            if let r = result.release {
                print("installed: version \(r.version) (\(r.versionID.prefix(12))) of \(r.component.id), \(r.state), in \(result.directory)")
            } else {
                print("REFUSED: \(result.report.failures.count) of \(result.report.checks.count) checks failed; nothing installed (\(package))")
            }
        }
        if result.release == nil { throw ExitCode(1) }
    }
}
