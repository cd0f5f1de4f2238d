import FedTwinTransport
import FedTwinWire
import Logging

/// Where the worker stands with the coordinator, so that each change is said once at the
/// default log level and repeated failures of the same kind are not.
enum ConnectionState: Equatable {
    case starting
    /// Connect attempts fail, for this reason (a transient fault: retried with backoff).
    case unreachable(String)
    /// Connected, the coordinator turned the session away for a reason worth retrying.
    case turnedAway(String)
    case connected
    /// A session ended without the federation finishing.
    case disconnected(String)
}

extension SiteWorker {
    /// The coordinator's pinned-key refusal in the TLS handshake, as the error that stops
    /// the worker (a wrong pin is configuration, not a fault that retrying can fix); nil for
    /// every other error.
    func pinMismatch(_ error: any Error) -> SiteError? {
        guard let transport = error as? TransportError, case .tls(let tls) = transport.problem,
              case .peerNotAccepted(let presented) = tls.problem else { return nil }
        return SiteError(.coordinatorKeyMismatch(pinned: config.coordinatorFingerprint, presented: presented))
    }

    /// Logs `state` when it differs from `previous` (at notice or warning, so it shows at the
    /// default level), and returns it as the new previous state.
    func report(_ state: ConnectionState, previous: ConnectionState, retryIn: Double) -> ConnectionState {
        let address = "\(config.coordinatorHost):\(config.coordinatorPort)"
        let retry = "retrying with backoff (next attempt in \(Self.format(retryIn)) s, at most every \(Self.format(config.maxBackoffSeconds)) s)"
        guard state != previous else {
            logger.debug("still \(state)", metadata: ["retry-in": "\(Self.format(retryIn))"])
            return state
        }
        switch state {
        case .starting, .connected:
            break // `connected` is said by the session, which knows the coordinator's version.
        case .unreachable(let why):
            logger.notice("coordinator \(address) unreachable: \(why); \(retry)")
        case .turnedAway(let why):
            logger.notice("coordinator \(address) turned this site away: \(why); \(retry)")
        case .disconnected(let why):
            logger.warning("disconnected from coordinator \(address): \(why); reconnecting")
        }
        return state
    }

    static func format(_ seconds: Double) -> String {
        seconds.formatted(.number.precision(.fractionLength(0...2)))
    }
}
