import FedTwinTransport
import FedTwinWire
import Testing

/// TLS 1.3 with mutual authentication over the system libssl, key pinning, and refusals.
@Suite struct TLSTests {
    struct Identity {
        let key: SigningKey
        let certificate: Certificate

        init(_ name: String, days: Int = 30, notBeforeOffsetDays: Int = 0) throws {
            key = try SigningKey.generate()
            certificate = try Certificate.selfSigned(for: key, name: name, days: days, notBeforeOffsetDays: notBeforeOffsetDays)
        }

        func context(_ role: TLSContext.Role, accept: (@Sendable (PublicKey) -> Bool)?) throws -> TLSContext {
            try TLSContext(role: role, certificate: certificate, key: key, acceptPeer: accept)
        }
    }

    static func configuration(_ tls: TLSContext?) -> TransportConfiguration {
        TransportConfiguration(handshakeLimits: nil, readTimeout: .seconds(5), connectTimeout: .seconds(5), tls: tls)
    }

    /// Runs a TLS echo server and one client exchange; returns the frames the client got
    /// back (empty if the session was refused) and the frames the server saw.
    static func exchange(server: TLSContext?, client: TLSContext?, frames: [[UInt8]]) async throws -> (echoed: [[UInt8]], seen: Int) {
        let (events, sink) = AsyncStream<TestSupport.Event>.makeStream()
        let echoed = try await TestSupport.withServer(configuration: configuration(server),
                                                      handler: TestSupport.recordingHandler(echo: true, into: sink)) { port in
            try await TestSupport.within(10, "tls exchange") {
                let connection = try await FrameClient.connect(host: "127.0.0.1", port: port, configuration: configuration(client),
                                                               logger: TestSupport.logger)
                var got: [[UInt8]] = []
                do {
                    for frame in frames { try await connection.send(frame) }
                    var inbound = connection.inbound.makeAsyncIterator()
                    for _ in frames {
                        guard let frame = try await inbound.next() else { break }
                        got.append(frame)
                    }
                } catch {
                    // A refused session ends here; the caller checks what got through.
                }
                await connection.close()
                return got
            }
        }
        var seen = 0
        for await event in events {
            if case .frame = event { seen += 1 } else { break }
        }
        return (echoed, seen)
    }

    @Test func mutualTLSRoundTripsFramesWithPinnedKeys() async throws {
        let server = try Identity("coordinator"), client = try Identity("site-a")
        let serverKey = server.key.publicKey, clientKey = client.key.publicKey
        let frames = [TestSupport.frame(bodyLength: 10, seed: 1), TestSupport.frame(type: .update, bodyLength: 1 << 20, seed: 2)]
        let result = try await Self.exchange(
            server: try server.context(.server, accept: { $0 == clientKey }),
            client: try client.context(.client, accept: { $0.fingerprint == serverKey.fingerprint }),
            frames: frames)
        #expect(result.echoed == frames)
        #expect(result.seen == frames.count)
    }

    @Test func clientRefusesAServerWhoseKeyIsNotPinned() async throws {
        let server = try Identity("impostor"), client = try Identity("site-a"), pinned = try SigningKey.generate()
        let result = try await Self.exchange(
            server: try server.context(.server, accept: nil),
            client: try client.context(.client, accept: { $0.fingerprint == pinned.publicKey.fingerprint }),
            frames: [TestSupport.frame(bodyLength: 3, seed: 1)])
        #expect(result.echoed.isEmpty)
        #expect(result.seen == 0, "a frame reached a server the client did not trust")
    }

    @Test func serverRefusesAClientKeyItDoesNotAccept() async throws {
        let server = try Identity("coordinator"), client = try Identity("stranger"), enrolled = try SigningKey.generate()
        let serverKey = server.key.publicKey
        let result = try await Self.exchange(
            server: try server.context(.server, accept: { $0 == enrolled.publicKey }),
            client: try client.context(.client, accept: { $0 == serverKey }),
            frames: [TestSupport.frame(bodyLength: 3, seed: 1)])
        #expect(result.echoed.isEmpty)
        #expect(result.seen == 0)
    }

    @Test func expiredCertificateIsRefused() async throws {
        let server = try Identity("coordinator", days: 1, notBeforeOffsetDays: -30), client = try Identity("site-a")
        #expect(!server.certificate.isCurrentlyValid)
        let result = try await Self.exchange(
            server: try server.context(.server, accept: nil),
            client: try client.context(.client, accept: nil),
            frames: [TestSupport.frame(bodyLength: 3, seed: 1)])
        #expect(result.echoed.isEmpty)
        #expect(result.seen == 0)
    }

    @Test func plainTCPToATLSPortIsRefused() async throws {
        let server = try Identity("coordinator")
        let result = try await Self.exchange(server: try server.context(.server, accept: nil), client: nil,
                                             frames: [TestSupport.frame(bodyLength: 3, seed: 1)])
        #expect(result.echoed.isEmpty)
        #expect(result.seen == 0, "a plaintext frame was accepted on a TLS port")
    }

    @Test func certificatePEMRoundTripsAndCarriesTheKey() throws {
        let identity = try Identity("site-a")
        let pem = try identity.certificate.pemRepresentation
        #expect(pem.hasPrefix("-----BEGIN CERTIFICATE-----"))
        let parsed = try Certificate(pemRepresentation: pem)
        #expect(parsed.publicKey == identity.key.publicKey)
        #expect(parsed.isCurrentlyValid)
        #expect(throws: OpenSSLError.self) {
            try TLSContext(role: .server, certificate: identity.certificate, key: try SigningKey.generate(), acceptPeer: nil)
        }
    }
}
