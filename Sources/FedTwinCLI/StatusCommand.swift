import ArgumentParser
import FedTwinStatus
import FedTwinTransport
import FedTwinWire
import Foundation

/// `fedtwin status --coordinator URL`: the coordinator's /status as a table in a terminal.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a running coordinator's phase, round and sites (from its --http endpoint).",
        discussion: """
            On the coordinator's own machine: fedtwin status --coordinator http://127.0.0.1:7451
            From elsewhere (the coordinator was started with a non-loopback --http, served over TLS to enrolled operators):
              fedtwin status --coordinator https://coordinator-host:7451 --key ops-olga.key --passphrase-file pass.txt --coordinator-fingerprint 1a2b3c4d5e6f7a8b
            The key is a person's (`fedtwin person enroll --role operator`); the fingerprint pins the coordinator's key, as a site's does.
            With --watch the table is redrawn until the coordinator reports `finished`; a coordinator that stops answering ends it with an error.
            """)

    @Option(help: "The coordinator's status endpoint: http://127.0.0.1:7451 on its machine, https://HOST:PORT from elsewhere.") var coordinator: String
    @Flag(help: "Redraw every --interval seconds until the coordinator has finished (or interrupted).") var watch = false
    @Option(help: "Seconds between redraws with --watch.") var interval: Double = 2
    @Option(help: "With https: an enrolled operator's encrypted key file (from `fedtwin person enroll --role operator`).") var key: String?
    @OptionGroup var passphrase: PassphraseOptions
    @Option(help: "With https: the coordinator key's fingerprint (16–64 hex digits), as pinned by sites.") var coordinatorFingerprint: String?

    func run() async throws {
        guard let url = URL(string: coordinator), let scheme = url.scheme, ["http", "https"].contains(scheme), let host = url.host, !host.isEmpty else {
            throw ValidationError("--coordinator must be an http:// or https:// URL with a host, got \(coordinator)")
        }
        guard interval > 0, interval.isFinite else { throw ValidationError("--interval must be a positive number of seconds") }
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        let path = url.path.isEmpty || url.path == "/" ? "/status" : url.path
        let tls = scheme == "https" ? try operatorTLS() : nil
        if tls == nil, key != nil || coordinatorFingerprint != nil {
            throw ValidationError("--key and --coordinator-fingerprint are for https:// endpoints; \(coordinator) is plain HTTP")
        }
        let display = "\(scheme)://\(host):\(port)\(path)"
        try await StatusWatch(watch: watch, interval: .seconds(interval)).run(
            fetch: {
                let answer: StatusClient.Answer
                do {
                    answer = try await StatusClient.get(host: host, port: port, path: path, tls: tls)
                } catch {
                    throw CLIError("cannot read \(display): \(error)")
                }
                guard answer.status == 200 else {
                    throw CLIError("\(display) answered \(answer.status): \(String(decoding: answer.body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
                }
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                do {
                    return try decoder.decode(StatusReport.self, from: Data(answer.body))
                } catch {
                    throw CLIError("\(display) did not answer a status report: \(error)")
                }
            },
            draw: { report in
                if watch { print("\u{1B}[H\u{1B}[2J", terminator: "") }
                print(report.rendered())
            })
    }

    /// The client side of the operator handshake: the person's key (opened with their
    /// passphrase) in a short-lived self-signed certificate, and the coordinator pinned.
    func operatorTLS() throws -> TLSContext {
        guard let key else { throw ValidationError("an https:// endpoint needs --key: an enrolled operator's key file") }
        guard let pin = coordinatorFingerprint?.lowercased(), (16...64).contains(pin.count), pin.allSatisfy(\.isHexDigit) else {
            throw ValidationError("an https:// endpoint needs --coordinator-fingerprint: 16–64 hex digits of the coordinator's key fingerprint")
        }
        let text: String
        do {
            text = try EncryptedKeyFile.readText(at: key)
        } catch let error as KeyFileError {
            throw CLIError(error.description)
        }
        let person = EncryptedKeyFile.person(inText: text) ?? "operator"
        let signingKey: SigningKey
        do {
            signingKey = try EncryptedKeyFile.open(text: text, passphrase: try passphrase.read(prompt: "passphrase for \(person) (\(key)): "))
        } catch let error as EncryptedKeyError {
            throw CLIError("\(key): \(error)")
        }
        // Made for this run only; valid from a day back so a coordinator whose clock is a
        // little behind does not find it "not yet valid".
        let certificate = try Certificate.selfSigned(for: signingKey, name: person, days: 2, notBeforeOffsetDays: -1)
        return try TLSContext(role: .client, certificate: certificate, key: signingKey, acceptPeer: { $0.fingerprint.matches(pin) })
    }
}
