import FedTwinCoordinator
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix

/// The coordinator's read-only HTTP endpoint: `GET /metrics` (Prometheus text format),
/// `GET /status` (JSON, `StatusReport`) and `GET /` (the status page). Any other method is
/// answered 405, any other path 404; nothing it serves changes the coordinator.
///
/// Built on NIOHTTP1, which the project already has through swift-nio: three fixed routes
/// need no router or web framework (docs/operations.md, "Status endpoint").
public struct StatusServer: Sendable {
    public let address: StatusAddress
    let observer: StatusObserver
    let logger: Logger

    public init(address: StatusAddress, observer: StatusObserver, logger: Logger) {
        self.address = address
        self.observer = observer
        self.logger = logger
    }

    /// Binds and serves until cancelled. `onBound` hears the port (useful with port 0).
    /// A refused bind throws at once, naming the address.
    public func run(onBound: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let server: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
        do {
            server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.backlog, value: 16)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: address.host, port: address.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                        return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw StatusServerError(code: .bindFailed, address: address.description, reason: "\(error)")
        }
        let port = server.channel.localAddress?.port ?? address.port
        logger.notice("status endpoint listening", metadata: ["address": "\(address.host):\(port)"])
        await onBound(port)
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
    }

    /// One connection: requests in order, each answered once its end has arrived.
    func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
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
                        let response = await respond(to: request)
                        var headers = HTTPHeaders()
                        headers.add(name: "Content-Type", value: response.contentType)
                        headers.add(name: "Content-Length", value: String(response.body.count))
                        headers.add(name: "Cache-Control", value: "no-store")
                        if response.status == .methodNotAllowed { headers.add(name: "Allow", value: "GET") }
                        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
                        try await outbound.write(.head(HTTPResponseHead(version: request.version, status: response.status, headers: headers)))
                        if request.method != .HEAD { try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: response.body)))) }
                        try await outbound.write(.end(nil))
                        if !request.isKeepAlive { return }
                    }
                }
            }
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
