import COpenSSL
import FedTwinCoordinator
import FedTwinRegistry
import FedTwinStatus
import FedTwinTransport
import FedTwinWire
import Foundation
import Logging
import NIOCore
import NIOPosix
import Testing

/// The status endpoint beyond loopback: TLS 1.3 with mutual authentication through the
/// project's libssl handler, readable only by enrolled, unrevoked operators. A real
/// `StatusServer` and real TLS clients on a loopback port (the server is given `access`
/// explicitly, as the coordinator does for a non-loopback address).
@Suite(.timeLimit(.minutes(1)))
struct OperatorStatusTests {
    struct Fixture {
        let registry: Registry
        let coordinatorKey: SigningKey
        let sites: [ScriptedSite]
        let port: Int
        let server: Task<Void, any Error>
    }

    static func serveWithAccess(idleTimeout: Duration = .seconds(30)) async throws -> Fixture {
        let (registry, coordinatorKey, sites, config) = try makeFederation(rounds: 1)
        let coordinator = try Coordinator(registry: registry, key: coordinatorKey, config: config, logger: Logger(label: "test"))
        let observer = StatusObserver(coordinator: coordinator, registry: registry, logger: Logger(label: "test"))
        let access = try OperatorAccess(certificate: try Certificate.selfSigned(for: coordinatorKey, name: "coordinator", days: 30),
                                        key: coordinatorKey, registry: registry)
        let server = try StatusServer(address: try StatusAddress("127.0.0.1:0"), observer: observer, access: access, logger: Logger(label: "test"),
                                       idleTimeout: idleTimeout)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task { try await server.run(onBound: { continuation.yield($0) }) }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())
        return Fixture(registry: registry, coordinatorKey: coordinatorKey, sites: sites, port: port, server: task)
    }

    /// A client presenting `key`, pinning `pinned` (the coordinator's key unless said otherwise).
    static func client(_ key: SigningKey, pinning pinned: PublicKey) throws -> TLSContext {
        try TLSContext(role: .client, certificate: try Certificate.selfSigned(for: key, name: "client", days: 2, notBeforeOffsetDays: -1), key: key,
                       acceptPeer: { $0.fingerprint.matches(pinned.fingerprint.hex) })
    }

    static func enrolPerson(_ f: Fixture, _ name: String, roles: [String]) throws -> SigningKey {
        let key = try SigningKey.generate()
        try f.registry.enrollPerson(name: name, printedName: name.uppercased(), roles: roles, key: key.publicKey, signer: f.coordinatorKey)
        return key
    }

    @Test func anEnrolledOperatorReadsStatusAndMetricsOverMutualTLS() async throws {
        let f = try await Self.serveWithAccess()
        defer { f.server.cancel() }
        let key = try Self.enrolPerson(f, "ops-olga", roles: ["operator"])
        let tls = try Self.client(key, pinning: f.coordinatorKey.publicKey)
        let status = try await StatusClient.get(host: "127.0.0.1", port: f.port, path: "/status", tls: tls)
        #expect(status.status == 200)
        let report = try JSONDecoder.status.decode(StatusReport.self, from: Data(status.body))
        #expect(report.sites.map(\.name) == ["site-a", "site-b"])
        let metrics = try await StatusClient.get(host: "127.0.0.1", port: f.port, path: "/metrics", tls: tls)
        #expect(metrics.status == 200 && String(decoding: metrics.body, as: UTF8.self).contains("fedtwin_sites_enrolled 2"))
        // The read-only rules hold over TLS too.
        #expect(try await StatusClient.get(host: "127.0.0.1", port: f.port, path: "/admin", tls: tls).status == 404)
    }

    @Test func aPersonWithoutTheOperatorRoleIsRefusedWith403() async throws {
        let f = try await Self.serveWithAccess()
        defer { f.server.cancel() }
        let key = try Self.enrolPerson(f, "qa-anna", roles: ["qa", "process-owner"])
        let answer = try await StatusClient.get(host: "127.0.0.1", port: f.port, path: "/status",
                                                tls: try Self.client(key, pinning: f.coordinatorKey.publicKey))
        #expect(answer.status == 403)
        let body = String(decoding: answer.body, as: UTF8.self)
        #expect(body.contains("not-an-operator") && body.contains("qa-anna") && !body.contains("site-a"))
    }

    @Test func aRevokedOperatorIsRefusedFromTheNextRequestOn() async throws {
        let f = try await Self.serveWithAccess()
        defer { f.server.cancel() }
        let key = try Self.enrolPerson(f, "ops-otto", roles: ["operator"])
        let tls = try Self.client(key, pinning: f.coordinatorKey.publicKey)
        #expect(try await StatusClient.get(host: "127.0.0.1", port: f.port, path: "/status", tls: tls).status == 200)
        try f.registry.revokePerson(name: "ops-otto", signer: f.coordinatorKey)
        let answer = try await StatusClient.get(host: "127.0.0.1", port: f.port, path: "/status", tls: tls)
        #expect(answer.status == 403)
        #expect(String(decoding: answer.body, as: UTF8.self).contains("revoked"))
    }

    @Test func aSiteKeyAndAnUnknownKeyAreNotOperators() async throws {
        let f = try await Self.serveWithAccess()
        defer { f.server.cancel() }
        for key in [f.sites[0].key, try SigningKey.generate()] {
            let answer = try await StatusClient.get(host: "127.0.0.1", port: f.port, path: "/status",
                                                    tls: try Self.client(key, pinning: f.coordinatorKey.publicKey))
            #expect(answer.status == 403)
            #expect(String(decoding: answer.body, as: UTF8.self).contains("not-a-person"))
        }
    }

    @Test func aClientWithoutACertificateIsRefusedAtTheHandshake() async throws {
        let f = try await Self.serveWithAccess()
        defer { f.server.cancel() }
        let port = f.port
        let answer = await withCheckedContinuation { (done: CheckedContinuation<String, Never>) in
            Thread { done.resume(returning: Self.requestWithoutClientCertificate(port: port)) }.start()
        }
        #expect(!answer.contains("HTTP/1.1"), "\(answer)")
        // Plain HTTP to the TLS port is no way round it either.
        await #expect(throws: StatusClient.Failure.self) {
            try await StatusClient.get(host: "127.0.0.1", port: port, path: "/status", tls: nil, timeout: .seconds(5))
        }
    }

    @Test func aClientThatStallsInTheHandshakeIsDropped() async throws {
        let f = try await Self.serveWithAccess(idleTimeout: .milliseconds(300))
        defer { f.server.cancel() }
        // A TCP connection that never starts its handshake.
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: f.port).get()
        let started = ContinuousClock.now
        try await channel.closeFuture.get()
        let waited = ContinuousClock.now - started
        #expect(waited < .seconds(5), "\(waited)")
    }

    @Test func theClientRefusesACoordinatorWhoseKeyIsNotThePinnedOne() async throws {
        let f = try await Self.serveWithAccess()
        defer { f.server.cancel() }
        let key = try Self.enrolPerson(f, "ops-olga", roles: ["operator"])
        let failure = await #expect(throws: StatusClient.Failure.self) {
            try await StatusClient.get(host: "127.0.0.1", port: f.port, path: "/status",
                                       tls: try Self.client(key, pinning: try SigningKey.generate().publicKey))
        }
        #expect(failure?.code == .tls)
    }

    @Test func beyondLoopbackTheEndpointIsNeverServedInTheClear() throws {
        let (registry, coordinatorKey, _, config) = try makeFederation(rounds: 1)
        let coordinator = try Coordinator(registry: registry, key: coordinatorKey, config: config, logger: Logger(label: "test"))
        let observer = StatusObserver(coordinator: coordinator, registry: registry, logger: Logger(label: "test"))
        for address in ["0.0.0.0:7451", "192.168.1.5:7451", "[::]:7451", "example.org:80"] {
            let parsed = try StatusAddress(address)
            #expect(!parsed.isLoopback, "\(address)")
            let error = #expect(throws: StatusServerError.self) {
                try StatusServer(address: parsed, observer: observer, logger: Logger(label: "test"))
            }
            #expect(error?.code == .needsTLS)
        }
        // Loopback stays plain HTTP, as before.
        #expect(try StatusServer(address: try StatusAddress("127.0.0.1:7451"), observer: observer, logger: Logger(label: "test")).scheme == "http")
    }

    /// A TLS 1.3 client that presents no certificate (OpenSSL over a blocking socket, on a
    /// thread of its own): what comes back after sending a request.
    static func requestWithoutClientCertificate(port: Int) -> String {
        guard let context = SSL_CTX_new(TLS_client_method()) else { return "no SSL_CTX" }
        defer { SSL_CTX_free(context) }
        _ = fedtwin_SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION)
        guard let ssl = SSL_new(context) else { return "no SSL" }
        defer { SSL_free(ssl) }
        guard let bio = BIO_new_connect("127.0.0.1:\(port)") else { return "no BIO" }
        SSL_set_bio(ssl, bio, bio)
        defer { ERR_clear_error() }
        guard SSL_connect(ssl) == 1 else { return "handshake failed" }
        let request = "GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        _ = SSL_write(ssl, request, Int32(request.utf8.count))
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = SSL_read(ssl, &buffer, Int32(buffer.count))
            if n <= 0 { break }
            answer += buffer[0..<Int(n)]
        }
        return String(decoding: answer, as: UTF8.self)
    }
}
