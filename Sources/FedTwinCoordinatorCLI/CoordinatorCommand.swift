import ArgumentParser
import Dispatch
import FedTwinAggregation
import FedTwinCommandLine
import FedTwinCoordinator
import FedTwinStatus
import Synchronization
import FedTwinRegistry
import FedTwinTransport
import FedTwinWire
import Foundation
import Logging

/// `fedtwin-coordinator`: listens for site workers and runs federated rounds.
@main
struct CoordinatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fedtwin-coordinator",
        abstract: "Run the FedTwin coordinator: accept enrolled sites, run rounds, commit signed model versions.",
        discussion: """
            Settings come from --config (a JSON file; see docs/operations.md) and are overridden by flags.
            Before the first run: `fedtwin store init` creates the store and `fedtwin enroll` records each site's key.
            Progress goes to stderr. SIGINT/SIGTERM stop cleanly: the round in progress is abandoned, everything
            committed stays intact, and the next start resumes from the last committed version.
            Defaults shown below are those of an absent config file.
            """,
        version: FedTwinVersion.number
    )

    /// The settings of an empty config file, shown in `--help`.
    static let d = CoordinatorConfiguration()

    @Option(help: "JSON config file.") var config: String?
    @Option(help: "Listen address (default: \(Self.d.host)).") var host: String?
    @Option(help: "TCP port (0 = pick a free one; see --port-file) (default: \(Self.d.port)).") var port: Int?
    @Option(help: "Write the bound port to this file.") var portFile: String?
    @Option(help: "Model registry directory (default: \(Self.d.store)).") var store: String?
    @Option(help: "Coordinator private key (PEM, mode 0600) (default: \(Self.d.key)).") var key: String?
    @Option(help: "Strategy: fedavg, fedprox, or a server optimiser fedadam, fedyogi, fedadagrad or fedavgm (default: \(Self.d.strategy.name)).") var strategy: String?
    @Option(help: "FedProx μ (with --strategy fedprox).") var mu: Double?
    @Option(help: "Server learning rate η (with --strategy fedadam, fedyogi, fedadagrad or fedavgm).") var serverLr: Double?
    @Option(help: "Server momentum β (with --strategy fedavgm).") var serverMomentum: Double?
    @Option(help: "Combiner of the sites' deltas: mean, median, trimmed-mean, krum or multi-krum (default: \(Self.d.strategy.combiner)).") var combiner: String?
    @Option(help: "Clip each site's delta to this L2 norm before combining (any strategy).") var clip: Double?
    @Option(help: "Trimmed mean: fraction trimmed from each side, 0 ≤ β < 0.5 (with --combiner trimmed-mean).") var trim: Double?
    @Option(help: "Krum/Multi-Krum: faulty sites tolerated f (needs --min-sites ≥ 2f + 3).") var byzantine: Int?
    @Option(help: "Multi-Krum: number of deltas averaged (default n − f).") var select: Int?
    @Option(help: "Refuse updates whose delta L2 norm exceeds this (reason norm-exceeded).") var maxUpdateNorm: Double?
    @Option(help: "Stop after this round number (default: \(Self.d.rounds)).") var rounds: Int?
    @Option(help: "Quorum: sites needed to run and to commit a round (default: \(Self.d.minSites)).") var minSites: Int?
    @Option(help: "Sites asked per round (0 = all connected) (default: \(Self.d.sitesPerRound)).") var sitesPerRound: Int?
    @Option(help: "Seconds a round waits for updates (default: \(Self.d.roundDeadlineSeconds)).") var roundDeadline: Double?
    @Option(help: "Seconds to wait for evaluations (0 = skip) (default: \(Self.d.evaluationDeadlineSeconds)).") var evaluationDeadline: Double?
    @Option(help: "Heartbeat interval in seconds (default: \(Self.d.heartbeatSeconds)).") var heartbeat: Double?
    @Option(help: "Drop a connection silent for this many seconds (default: \(Self.d.readTimeoutSeconds)).") var readTimeout: Double?
    @Option(help: "Most simultaneous connections (default: \(Self.d.maxConnections)).") var maxConnections: Int?
    @Option(help: "Largest frame body accepted, in MiB (default: \(Self.d.maxBodyMiB)).") var maxBodyMib: Int?
    @Option(help: "Largest frame header accepted, in KiB (default: \(Self.d.maxHeaderKiB)).") var maxHeaderKib: Int?
    @Option(help: "Most tensors in one frame (default: \(Self.d.maxTensors)).") var maxTensors: Int?
    @Option(help: "Most connections still in their TLS handshake and hello (default: \(Self.d.maxPendingHandshakes)).") var maxPendingHandshakes: Int?
    @Option(help: "Drop a connection whose TLS handshake and hello take longer than this many seconds (default: \(Self.d.handshakeTimeoutSeconds)).") var handshakeTimeout: Double?
    @Option(help: "Local epochs per round (default: \(Self.d.training.epochs)).") var epochs: Int?
    @Option(help: "Local learning rate (default: \(Self.d.training.learningRate)).") var learningRate: Double?
    @Option(help: "Update encoding: f32, f16 or q8 (default: \(Self.d.updateEncoding)).") var updateEncoding: String?
    @Option(help: "TLS certificate (default: the key's path with .crt, as written by `fedtwin keygen`).") var cert: String?
    @Flag(help: "Plain TCP instead of TLS 1.3 — for local experiments only.") var insecure = false
    @Option(help: "Serve /metrics, /status and a status page on HOST:PORT (off unless given): plain HTTP on loopback, e.g. 127.0.0.1:7451; TLS for enrolled operators on any other address.") var http: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: Logger.Level = .notice
    @Flag(help: "Do not print live progress.") var quiet = false

    func resolved() throws -> CoordinatorConfiguration {
        var c = try config.map(CoordinatorConfiguration.load(from:)) ?? CoordinatorConfiguration()
        if let host { c.host = host }
        if let port { c.port = port }
        if let portFile { c.portFile = portFile }
        if let store { c.store = store }
        if let key { c.key = key }
        if let strategy {
            // A different server strategy drops its settings, not the combiner's.
            let kept = c.strategy.name == strategy ? c.strategy.settings : c.strategy.settings.filter { ["clip", "trim", "byzantine", "select"].contains($0.key) }
            c.strategy = StrategyConfig(name: strategy, settings: kept, combiner: c.strategy.combiner)
        }
        if let combiner { c.strategy.combiner = combiner }
        if let clip { c.strategy.settings["clip"] = clip }
        if let trim { c.strategy.settings["trim"] = trim }
        if let byzantine { c.strategy.settings["byzantine"] = Double(byzantine) }
        if let select { c.strategy.settings["select"] = Double(select) }
        if let maxUpdateNorm { c.maxUpdateNorm = maxUpdateNorm }
        if let mu { c.strategy.settings["mu"] = mu }
        if let serverLr { c.strategy.settings["lr"] = serverLr }
        if let serverMomentum { c.strategy.settings["momentum"] = serverMomentum }
        if let rounds { c.rounds = rounds }
        if let minSites { c.minSites = minSites }
        if let sitesPerRound { c.sitesPerRound = sitesPerRound }
        if let roundDeadline { c.roundDeadlineSeconds = roundDeadline }
        if let evaluationDeadline { c.evaluationDeadlineSeconds = evaluationDeadline }
        if let heartbeat { c.heartbeatSeconds = heartbeat }
        if let readTimeout { c.readTimeoutSeconds = readTimeout }
        if let maxConnections { c.maxConnections = maxConnections }
        if let maxBodyMib { c.maxBodyMiB = maxBodyMib }
        if let maxHeaderKib { c.maxHeaderKiB = maxHeaderKib }
        if let maxTensors { c.maxTensors = maxTensors }
        if let maxPendingHandshakes { c.maxPendingHandshakes = maxPendingHandshakes }
        if let handshakeTimeout { c.handshakeTimeoutSeconds = handshakeTimeout }
        if let epochs { c.training.epochs = epochs }
        if let learningRate { c.training.learningRate = learningRate }
        if let updateEncoding { c.updateEncoding = updateEncoding }
        if let cert { c.certificate = cert }
        if insecure { c.insecure = true }
        if let http { c.http = http }
        try c.validate(file: config ?? "command line")
        return c
    }

    func run() async throws {
        let settings: CoordinatorConfiguration
        do {
            settings = try resolved()
        } catch let error as ConfigurationError {
            throw OperatorError(error.description)
        }
        StandardErrorLogging.bootstrap(level: logLevel)
        let logger = Logger(label: "fedtwin.coordinator")
        let registry = try Registry.open(path: settings.store)
        let signingKey = try KeyFile.readPrivateKey(at: settings.key)
        let progress = Progress(quiet: quiet)
        if !quiet {
            progress.say("fedtwin-coordinator \(FedTwinVersion.number); settings in force (\(config.map { "\($0), defaults and flags" } ?? "defaults and flags")):")
            for line in try settings.summaryLines() { progress.say("  " + line) }
        }
        let observer = Box<StatusObserver>()
        let coordinator = try Coordinator(registry: registry, key: signingKey, config: settings, logger: logger,
                                          onEvent: { event in
                                              progress.report(event)
                                              observer.value?.observe(event)
                                          })
        let signals = SignalWatcher { signal in
            Task { await coordinator.stop(reason: signal) }
        }
        defer { signals.cancel() }

        let tls: TLSContext?
        if settings.insecure {
            FileHandle.standardError.write(Data("""
                WARNING: --insecure: plain TCP. Frames are still signed, but nothing on the link is encrypted and
                WARNING: any observer sees parameters and metrics. Use only on a trusted local machine.

                """.utf8))
            tls = nil
        } else {
            let certificate: Certificate
            do {
                certificate = try KeyFile.readCertificate(at: settings.certificatePath)
            } catch {
                throw OperatorError("TLS certificate: \(error) (pass --cert, or --insecure for plain TCP)")
            }
            // Any client key may complete the handshake; the hello must then be signed by
            // that same key and the key must be enrolled (checked, refused and audited there).
            tls = try TLSContext(role: .server, certificate: certificate, key: signingKey, acceptPeer: nil)
        }
        let status: StatusServer? = try settings.http.map { http in
            let address = try StatusAddress(http)
            let watching = StatusObserver(coordinator: coordinator, registry: registry, logger: logger)
            observer.value = watching
            // Beyond loopback: TLS with the coordinator's own certificate, readable by enrolled operators only.
            let access = try address.isLoopback ? nil : OperatorAccess(
                certificate: try KeyFile.readCertificate(at: settings.certificatePath), key: signingKey, registry: registry)
            return try StatusServer(address: address, observer: watching, access: access, logger: logger)
        }
        let configured = TransportConfiguration(
            limits: settings.frameLimits,
            readTimeout: .seconds(settings.readTimeoutSeconds),
            maxConnections: settings.maxConnections,
            maxPendingHandshakes: settings.maxPendingHandshakes,
            handshakeTimeout: .seconds(settings.handshakeTimeoutSeconds),
            tls: tls)
        let transport = configured
        let statusTask = status.map { server in
            Task {
                do {
                    try await server.run(onBound: { port in progress.say("status endpoint on \(server.scheme)://\(server.address.host):\(port)/"
                        + (server.scheme == "https" ? " (TLS; enrolled operators only)" : "")) })
                } catch {
                    // Asked for and not there: the operator would be watching nothing.
                    progress.say("\(error)")
                    await coordinator.stop(reason: "status endpoint failed")
                }
            }
        }
        defer { statusTask?.cancel() }
        do {
            try await coordinator.runService(transport: transport, onBound: { port in
                progress.report(.listening(port: port))
                if let file = settings.portFile {
                    try? "\(port)\n".write(toFile: file, atomically: true, encoding: .utf8)
                }
            })
        } catch let error as TransportError {
            // Port in use, address not local: said with the address, and the exit status is not 0.
            throw OperatorError("\(error) (choose another --port, or stop whatever listens there)")
        }
    }
}
