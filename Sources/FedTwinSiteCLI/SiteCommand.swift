import ArgumentParser
import FedTwinCommandLine
import FedTwinSite
import FedTwinWire
import Foundation
import Logging
import TwinKit

/// `fedtwin-site`: one per plant; connects out to the coordinator and trains locally.
@main
struct SiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedtwin-site",
        abstract: "Run a FedTwin site worker: join the federation, train on local batches, upload signed updates.",
        discussion: """
            Settings come from --config (JSON; see docs/operations.md) and are overridden by flags.
            The site only connects out; its batch records never leave this process. Every frame it sends
            is recorded (SHA-256, size) in its local append-only log (--log).
            Example:
              fedtwin-site --name site-a --key keys/site-a.key --data data/site-a/data.json \\
                --coordinator 127.0.0.1:7450 --coordinator-fingerprint 1a2b3c4d5e6f7a8b
            Defaults shown below are those of an absent config file.
            `fedtwin-site fetch` installs a released version for offline use (no training session).
            """,
        version: FedTwinVersion.number,
        subcommands: [FetchCommand.self]
    )

    /// The settings of an empty config file, shown in `--help`.
    static let d = SiteConfiguration()

    @Option(help: "JSON config file.") var config: String?
    @Option(help: "Site name (as enrolled) (default: \(Self.d.name)).") var name: String?
    @Option(help: "Coordinator address, HOST:PORT (default: \(Self.d.coordinatorHost):\(Self.d.coordinatorPort)).") var coordinator: String?
    @Option(help: "File holding the coordinator port (written by the coordinator's --port-file).") var coordinatorPortFile: String?
    @Option(help: "Pinned coordinator key fingerprint (16–64 hex digits).") var coordinatorFingerprint: String?
    @Option(help: "Site private key (PEM, mode 0600) (default: \(Self.d.key)).") var key: String?
    @Option(help: "Data config (data.json written by `fedtwin data simulate` or by hand).") var data: String?
    @Option(help: "Component id (hybrid-bioreactor, network-only, noop, or a spec file) (default: \(Self.d.component), or the spec's hybrid with --component-spec).") var component: String?
    @Option(help: "Component spec file (docs/twin.md): train the spec's hybrid, or its statistics round with --component feature-statistics.") var componentSpec: String?
    @Option(help: "Parameter count of the noop component (default 10000); must match the store's.") var params: Int?
    @Option(help: "Append-only log of sent frames (default: NAME-sent.log, after --name).") var log: String?
    @Flag(help: "Keep running (and reconnecting) after the federation finishes.") var stay = false
    @Option(help: "TLS certificate (default: the key's path with .crt, as written by `fedtwin keygen`).") var cert: String?
    @Flag(help: "Plain TCP instead of TLS 1.3 — for local experiments only.") var insecure = false
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: Logger.Level = .notice
    @Option(help: ArgumentHelp(
        "EXPERIMENTS ONLY: send malicious (but properly signed) updates: scale:FACTOR, sign-flip[:FACTOR], gaussian:SIGMA.",
        discussion: "The site trains honestly, then multiplies its delta by FACTOR (scale), by −FACTOR (sign-flip), or replaces it with N(0, SIGMA²) noise (gaussian), before signing. Used by scripts/attack-experiment.sh to measure robust aggregation (docs/robustness.md).",
        valueName: "attack")) var adversary: String?

    func run() async throws {
        var c: SiteConfiguration
        do {
            c = try config.map(SiteConfiguration.load(from:)) ?? SiteConfiguration()
            if let name { c.name = name }
            if let coordinator {
                let parts = coordinator.split(separator: ":")
                guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--coordinator must be HOST:PORT, got \(coordinator)") }
                c.coordinatorHost = String(parts[0])
                c.coordinatorPort = port
            }
            if let file = coordinatorPortFile {
                guard let text = try? String(contentsOfFile: file, encoding: .utf8), let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                    throw ValidationError("--coordinator-port-file \(file): no port number in it")
                }
                c.coordinatorPort = port
            }
            if let coordinatorFingerprint { c.coordinatorFingerprint = coordinatorFingerprint }
            if let key { c.key = key }
            if let data { c.data = data }
            if let component { c.component = component }
            if let componentSpec { c.componentSpec = componentSpec }
            if let params { c.params = params }
            if let log { c.log = log }
            if stay { c.exitWhenFinished = false }
            if let cert { c.certificate = cert }
            if insecure { c.insecure = true }
            if let adversary { c.adversary = adversary }
            try c.validate(file: config ?? "command line")
        } catch let error as SiteError {
            throw OperatorError(error.description)
        }
        StandardErrorLogging.bootstrap(level: logLevel)
        if c.insecure {
            FileHandle.standardError.write(Data("""
                WARNING: --insecure: plain TCP. Updates are still signed, but nothing on the link is encrypted and
                WARNING: the coordinator is not authenticated before its welcome. Use only on a trusted local machine.

                """.utf8))
        }
        var logger = Logger(label: "fedtwin.site")
        logger[metadataKey: "site"] = "\(c.name)"
        var worker = try SiteWorker(config: c, logger: logger)
        // Epoch k/N of a local training, on a terminal only (a log file keeps just the log lines).
        let line = TerminalProgressLine()
        worker.onTrainingActivity = { activity in
            switch activity {
            case .epoch(let round, let progress): line.update("round \(round): training \(progress)", final: progress.isLast)
            case .ended: line.clear()
            }
        }
        if let attack = worker.adversary {
            FileHandle.standardError.write(Data("""
                ********************************************************************************
                WARNING: ADVERSARY MODE (\(attack)): this site is MALICIOUS on purpose.
                WARNING: \(attack.summary);
                WARNING: each update is still signed with this site's enrolled key.
                WARNING: For robustness experiments and tests only — never run this against a real federation.
                ********************************************************************************

                """.utf8))
        }
        try await worker.run()
    }
}
