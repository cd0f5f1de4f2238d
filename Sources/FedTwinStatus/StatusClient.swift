import FedTwinTransport
import NIOCore
import NIOHTTP1
import NIOPosix

/// One `GET` against a status endpoint, plain or over the project's TLS 1.3 handler (what
/// `fedtwin status` uses). Over NIO rather than URLSession: on Linux URLSession cannot
/// present an Ed25519 client certificate from a person's key file nor pin the coordinator
/// by key fingerprint, and one client for both schemes keeps them alike.
public enum StatusClient {
    /// The answer: HTTP status code and body.
    public struct Answer: Sendable {
        public let status: Int
        public let body: [UInt8]
    }

    /// Why there is no answer; tests match `code`.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public enum Code: String, Sendable {
            case connectFailed = "connect-failed"
            /// The TLS session failed: the coordinator's key is not the pinned one, or it
            /// refused our certificate (TLS 1.3 reports that only after the handshake).
            case tls
            /// The connection closed before a complete answer arrived.
            case noAnswer = "no-answer"
            case tooLarge = "too-large"
            case timedOut = "timed-out"
        }
        public let code: Code
        public let address: String
        public let detail: String

        public var description: String { "\(address): \(code.rawValue): \(detail)" }
    }

    /// Fetches `path` from HOST:PORT. With `tls` the server must present the key the context
    /// pins and accept ours. Answers larger than `maxBody` bytes are refused.
    public static func get(host: String, port: Int, path: String, tls: TLSContext?,
                           timeout: Duration = .seconds(10), maxBody: Int = 64 << 20) async throws -> Answer {
        let address = "\(host):\(port)"
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        let firstError = FirstError()
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(timeout))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let tls {
                            try sync.addFedTwinTLS(tls)
                            try sync.addHandler(firstError)
                        }
                        try sync.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw Failure(code: .connectFailed, address: address, detail: "\(error)")
        }
        // A server that accepts and then says nothing must not hang the command.
        let timer = channel.channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) { channel.channel.close(promise: nil) }
        defer { timer.cancel() }
        let started = ContinuousClock.now
        do {
            return try await channel.executeThenClose { inbound, outbound in
                var headers = HTTPHeaders()
                headers.add(name: "Host", value: address)
                headers.add(name: "Connection", value: "close")
                try await outbound.write(.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers)))
                try await outbound.write(.end(nil))
                var status: Int?
                var body: [UInt8] = []
                for try await part in inbound {
                    switch part {
                    case .head(let head): status = Int(head.status.code)
                    case .body(let buffer):
                        guard body.count + buffer.readableBytes <= maxBody else {
                            throw Failure(code: .tooLarge, address: address, detail: "the answer is larger than \(maxBody) bytes")
                        }
                        body += buffer.readableBytesView
                    case .end:
                        if let status { return Answer(status: status, body: body) }
                    }
                }
                let waited = ContinuousClock.now - started
                throw Failure(code: waited >= timeout ? .timedOut : .noAnswer, address: address,
                              detail: waited >= timeout ? "no answer within \(timeout)" : "the connection closed before an answer (refused by the server?)")
            }
        } catch let failure as Failure {
            if let tlsError = firstError.error.withLock({ $0 }) as? TLSError {
                throw Failure(code: .tls, address: address, detail: "\(tlsError)")
            }
            throw failure
        } catch {
            if let tlsError = (firstError.error.withLock({ $0 }) ?? error) as? TLSError {
                throw Failure(code: .tls, address: address, detail: "\(tlsError)")
            }
            throw Failure(code: .noAnswer, address: address, detail: "\(error)")
        }
    }
}
