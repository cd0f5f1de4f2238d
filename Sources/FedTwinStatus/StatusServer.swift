import FedTwinCoordinator
import FedTwinTransport
import FedTwinWire
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The coordinator's read-only HTTP endpoint: `GET /metrics` (Prometheus text format),
/// `GET /status` (JSON, `StatusReport`) and `GET /` (the status page). Any other method is
/// answered 405, any other path 404; nothing it serves changes the coordinator.
///
/// Built on NIOHTTP1, which the project already has through swift-nio: three fixed routes
/// need no router or web framework (docs/operations.md, "Status endpoint").
///
/// On loopback it is plain HTTP. With `access` (required for any other address) every
/// connection is TLS 1.3 with mutual authentication, and every request is answered only if
/// the client's key is an enrolled operator's (`OperatorAccess`); otherwise `403`, logged
/// with the reason code (docs/security.md, "Status endpoint").
public struct StatusServer: Sendable {
    public let address: StatusAddress
    let observer: StatusObserver
    let access: OperatorAccess?
    let logger: Logger
    /// A TLS connection that completes no request for this long is closed, so that sockets
    /// left half-way through a handshake do not pile up on a port reachable from elsewhere.
    let idleTimeout: TimeAmount
    /// Connections open at once; one more is closed at accept, before any TLS or HTTP work,
    /// so a client opening sockets in a loop cannot exhaust the coordinator's descriptors.
    public let maxConnections: Int

    /// Throws code `needsTLS` for a non-loopback address without `access`: the endpoint is
    /// never served in the clear beyond this machine.
    public init(address: StatusAddress, observer: StatusObserver, access: OperatorAccess? = nil, logger: Logger,
                idleTimeout: Duration = .seconds(30), maxConnections: Int = StatusServer.defaultMaxConnections) throws {
        guard address.isLoopback || access != nil else {
            throw StatusServerError(code: .needsTLS, address: address.description,
                                    reason: "not a loopback address: it is served only over TLS to enrolled operators, and no TLS identity was given")
        }
        self.address = address
        self.observer = observer
        self.access = access
        self.logger = logger
        self.idleTimeout = TimeAmount(idleTimeout)
        self.maxConnections = max(1, maxConnections)
    }

    /// Enough for a Prometheus server, a few browsers and `fedtwin status --watch` sessions.
    public static let defaultMaxConnections = 32

    /// The scheme clients use: `https` when access is checked, else `http`.
    public var scheme: String { access == nil ? "http" : "https" }

    /// One accepted connection, with the client's key once its TLS handshake completed.
    struct Accepted: Sendable {
        let channel: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>
        let peerKey: PeerKey
        /// The client's address, taken at accept (it is gone once the socket closes).
        let peer: String
        /// False when the connection came over ``maxConnections``: it is already closing.
        var admitted = true
    }

    /// Set on the event loop when the handshake completes, read by the serving task; the
    /// handshake completes before any request reaches the HTTP decoder.
    final class PeerKey: Sendable {
        let key = Mutex<PublicKey?>(nil)
    }

    /// Binds and serves until cancelled, then returns normally. `onBound` hears the port
    /// (useful with port 0). A refused bind throws at once, naming the address.
    public func run(onBound: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let server: NIOAsyncChannel<Accepted, Never>
        let tls = access?.tls
        let idleTimeout = idleTimeout
        let counter = ConnectionCounter(limit: maxConnections)
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 16)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: address.host, port: address.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let peerKey = PeerKey()
                        let peer = PeerAddress.describe(channel.remoteAddress)
                        let wrapped = { try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel) }
                        guard counter.acquire() else {
                            channel.close(promise: nil)
                            var refused = Accepted(channel: try wrapped(), peerKey: peerKey, peer: peer)
                            refused.admitted = false
                            return refused
                        }
                        channel.closeFuture.whenComplete { _ in counter.release() }
                        let sync = channel.pipeline.syncOperations
                        if let tls {
                            try sync.addHandler(IdleStateHandler(readTimeout: idleTimeout))
                            try sync.addHandler(IdleCloseHandler())
                            try sync.addFedTwinTLS(tls, onPeerKey: { key in peerKey.key.withLock { $0 = key } })
                        }
                        try sync.configureHTTPServerPipeline(withErrorHandling: true)
                        return Accepted(channel: try wrapped(), peerKey: peerKey, peer: peer)
                    }
                }
        } catch {
            throw StatusServerError(code: .bindFailed, address: address.description, reason: "\(error)")
        }
        let port = server.channel.localAddress?.port ?? address.port
        logger.notice("status endpoint listening", metadata: ["address": "\(address.host):\(port)", "scheme": "\(scheme)"])
        await onBound(port)
        do {
            try await withTaskCancellationHandler {
                try await server.executeThenClose { accepted in
                    try await withThrowingDiscardingTaskGroup { group in
                        for try await connection in accepted {
                            group.addTask { await self.serve(connection) }
                        }
                    }
                }
            } onCancel: {
                server.channel.close(promise: nil)
            }
        } catch is CancellationError {
            // Cancelled (the coordinator has finished or is stopping): the normal way to stop,
            // not a failure of the endpoint.
        }
        logger.info("status endpoint stopped", metadata: ["address": "\(address.host):\(port)"])
    }

    /// One connection: requests in order, each answered once its end has arrived.
    func serve(_ accepted: Accepted) async {
        let connection = accepted.channel
        let peer = accepted.peer
        guard accepted.admitted else {
            logger.warning("status connection refused", metadata: ["peer": "\(peer)", "reason": "over maxConnections (\(maxConnections))"])
            try? await connection.executeThenClose { _, _ in }
            return
        }
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                for try await part in inbound {
                    switch part {
                    case .head(let h):
                        head = h
                    case .body:
                        break
                    case .end:
                        guard let request = head else { continue }
                        head = nil
                        var response: Response
                        var refused = false
                        if let access {
                            switch access.decide(try accepted.peerKey.key.withLock { key in
                                guard let key else { throw TLSError(.noPeerCertificate) }
                                return key
                            }) {
                            case .allowed(let person):
                                logger.debug("status request", metadata: ["peer": "\(peer)", "person": "\(person)", "uri": "\(request.uri)"])
                                response = await respond(to: request)
                            case .refused(let refusal):
                                logger.warning("status request refused", metadata: [
                                    "peer": "\(peer)", "code": "\(refusal.code.rawValue)", "fingerprint": "\(refusal.fingerprint)",
                                    "person": "\(refusal.person ?? "-")", "detail": "\(refusal.detail)"])
                                response = .text(.forbidden, "forbidden (\(refusal.code.rawValue)): \(refusal.detail)")
                                refused = true
                            }
                        } else {
                            response = await respond(to: request)
                        }
                        let close = refused || !request.isKeepAlive
                        var headers = HTTPHeaders()
                        headers.add(name: "Content-Type", value: response.contentType)
                        headers.add(name: "Content-Length", value: String(response.body.count))
                        headers.add(name: "Cache-Control", value: "no-store")
                        if response.status == .methodNotAllowed { headers.add(name: "Allow", value: "GET") }
                        if close { headers.add(name: "Connection", value: "close") }
                        try await outbound.write(.head(HTTPResponseHead(version: request.version, status: response.status, headers: headers)))
                        if request.method != .HEAD { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body)))) }
                        try await outbound.write(.end(nil))
                        if close { return }
                    }
                }
            }
        } catch let error as TLSError {
            // No client certificate, an expired one, not TLS at all: refused at the handshake.
            logger.warning("status connection refused", metadata: ["peer": "\(peer)", "error": "\(error)"])
        } catch {
            logger.debug("status connection ended", metadata: ["error": "\(error)"])
        }
    }

    /// A response: status, content type and body.
    struct Response: Sendable {
        var status: HTTPResponseStatus
        var contentType: String
        var body: [UInt8]

        static func text(_ status: HTTPResponseStatus, _ text: String) -> Response {
            Response(status: status, contentType: "text/plain; charset=utf-8", body: Array((text + "\n").utf8))
        }
    }

    /// The route table. Paths are matched without their query string.
    func respond(to request: HTTPRequestHead) async -> Response {
        let path = request.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "/"
        guard ["/", "/status", "/metrics"].contains(path) else {
            return .text(.notFound, "not found: \(path) (this endpoint serves /, /status and /metrics)")
        }
        guard request.method == .GET || request.method == .HEAD else {
            return .text(.methodNotAllowed, "method \(request.method.rawValue) not allowed: this endpoint is read-only (GET)")
        }
        switch path {
        case "/metrics":
            return Response(status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: await observer.exposition())
        case "/status":
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            encoder.outputFormatting = [.sortedKeys]
            let body = (try? encoder.encode(await observer.report())).map { Array($0) } ?? Array("{}".utf8)
            return Response(status: .ok, contentType: "application/json", body: body)
        default:
            return Response(status: .ok, contentType: "text/html; charset=utf-8", body: Array(StatusPage.html.utf8))
        }
    }
}
