import Foundation
import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension FrameServer {
    /// Runs the server like `run`, but an error before the address is bound (port in use,
    /// address not local, no permission) comes out as `TransportError(.bindFailed)` naming
    /// the address and the OS error, so the caller can stop and say so rather than wait for
    /// connections that can never arrive.
    public static func listen(
        host: String,
        port: Int,
        configuration: TransportConfiguration = .default,
        logger: Logger,
        onBound: @escaping @Sendable (Int) async -> Void,
        onRefused: @escaping @Sendable (TransportError) -> Void = { _ in },
        handler: @escaping @Sendable (any FrameConnection) async -> Void
    ) async throws {
        let bound = BoundFlag()
        do {
            try await run(host: host, port: port, configuration: configuration, logger: logger,
                          onBound: { port in
                              bound.set()
                              await onBound(port)
                          },
                          onRefused: onRefused, handler: handler)
        } catch where !bound.isSet {
            throw TransportError(.bindFailed(bindFailureReason(error)), peer: "\(host):\(port)")
        }
    }

    /// The OS's words for a failed bind ("Address already in use (errno 98)"), without
    /// NIO's call-site prefix.
    static func bindFailureReason(_ error: any Error) -> String {
        if let io = error as? IOError {
            return "\(String(cString: strerror(io.errnoCode))) (errno \(io.errnoCode))"
        }
        return String(describing: error)
    }
}

/// Set once the listener is bound; read after `run` returns or throws.
/// `@unchecked`: the flag is only touched under `lock`.
private final class BoundFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
