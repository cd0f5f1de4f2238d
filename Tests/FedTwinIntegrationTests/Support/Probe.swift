import FedTwinTransport
import FedTwinWire
import Foundation
import Logging

/// One short-lived hostile connection: connects (over TLS with a chosen identity, or over
/// plain TCP), sends exactly the bytes it is given, and reports what came back — a `reject`
/// (read unverified, as a site does before `welcome`) and whether and how soon the
/// coordinator closed the connection.
struct Probe: Sendable {
    let port: Int
    /// Pinned coordinator fingerprint (short form).
    let fingerprint: String

    struct Outcome: Sendable {
        var reject: Reject?
        /// The coordinator closed the connection (EOF or an error on our side of it).
        var closed = false
        /// Seconds from the last send until the connection was seen closed.
        var secondsToClose: Double?
        var error: String?
    }

    static let silent = Logger(label: "probe", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A TLS 1.3 connection presenting `certificate` (default: the one beside `keyPath`) for the key at `keyPath`.
    func tls(keyPath: String, certificate: Certificate? = nil) async throws -> any FrameConnection {
        let key = try KeyFile.readPrivateKey(at: keyPath)
        let cert = try certificate ?? Certificate(
            pemRepresentation: String(contentsOfFile: (keyPath as NSString).deletingPathExtension + ".crt", encoding: .utf8))
        let pinned = fingerprint
        let context = try TLSContext(role: .client, certificate: cert, key: key, acceptPeer: { $0.fingerprint.matches(pinned) })
        return try await FrameClient.connect(host: "127.0.0.1", port: port, configuration: Self.configuration(tls: context), logger: Self.silent)
    }

    /// Plain TCP (no TLS at all).
    func plain() async throws -> any FrameConnection {
        try await FrameClient.connect(host: "127.0.0.1", port: port, configuration: Self.configuration(tls: nil), logger: Self.silent)
    }

    static func configuration(tls: TLSContext?) -> TransportConfiguration {
        TransportConfiguration(readTimeout: .seconds(30), connectTimeout: .seconds(5), tls: tls)
    }

    /// Sends `chunks` in order (each as its own write), optionally closes our side, then
    /// waits up to `timeout` seconds for the coordinator to close the connection.
    static func exchange(_ connection: any FrameConnection, send chunks: [[UInt8]], thenClose: Bool = false,
                         timeout: Double = 8) async -> Outcome {
        var outcome = Outcome()
        do {
            for chunk in chunks { try await connection.send(chunk) }
        } catch {
            outcome.error = "send: \(error)"
        }
        let sent = ContinuousClock.now
        if thenClose {
            await connection.close()
            outcome.closed = true
            outcome.secondsToClose = 0
            return outcome
        }
        let watchdog = Task {
            try? await Task.sleep(for: .seconds(timeout))
            if !Task.isCancelled { await connection.close() }
        }
        let codec = MessageCodec()
        do {
            for try await frame in connection.inbound {
                if let reject = (try? codec.parse(frame))?.claimedReject() { outcome.reject = reject }
            }
        } catch {
            outcome.error = "\(error)"
        }
        let elapsed = ContinuousClock.now - sent
        watchdog.cancel()
        let timedOut = elapsed >= .seconds(timeout)
        outcome.closed = !timedOut
        outcome.secondsToClose = timedOut ? nil : Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        await connection.close()
        return outcome
    }
}
