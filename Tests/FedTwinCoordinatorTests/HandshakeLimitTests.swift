@testable import FedTwinCoordinator
import Foundation
import Testing

/// The handshake limits' configuration and the throttle on refusals of unidentified peers.
@Suite struct HandshakeLimitTests {
    @Test func defaultsAreSafeAndTheFileOverridesThem() throws {
        let defaults = CoordinatorConfiguration()
        #expect(defaults.maxPendingHandshakes == 32)
        #expect(defaults.handshakeTimeoutSeconds == 10)
        #expect(defaults.handshakeTimeoutSeconds < defaults.readTimeoutSeconds)
        let config = try ConfigurationFile.load(#"{"maxConnections": 20, "maxPendingHandshakes": 5, "handshakeTimeoutSeconds": 2.5}"#)
        #expect(config.maxConnections == 20 && config.maxPendingHandshakes == 5 && config.handshakeTimeoutSeconds == 2.5)
    }

    @Test(arguments: [
        (#"{"maxPendingHandshakes": 0}"#, "maxPendingHandshakes"),
        (#"{"maxConnections": 4, "maxPendingHandshakes": 5}"#, "maxPendingHandshakes"),
        (#"{"handshakeTimeoutSeconds": 0}"#, "handshakeTimeoutSeconds"),
        (#"{"maxConnections": 0}"#, "maxConnections"),
    ])
    func badValuesNameTheKey(text: String, key: String) throws {
        try ConfigurationFile.expectRefused(text, key: key)
    }

    @Test func throttleAuditsABudgetPerWindowAndSummarisesTheRest() {
        let start = ContinuousClock.now
        var throttle = RefusalThrottle(budget: 2, window: .seconds(60), now: start)
        let admitted = ["timeout", "limit-exceeded", "limit-exceeded", "limit-exceeded", "tls-refused"].map { throttle.admit(code: $0) }
        #expect(admitted == [true, true, false, false, false])
        let early = throttle.roll(now: start + .seconds(30))
        #expect(early == nil, "the window is not over yet")
        let summary = throttle.roll(now: start + .seconds(61))
        let again = throttle.admit(code: "timeout")
        #expect(summary == RefusalThrottle.Summary(count: 3, codes: "limit-exceeded:2,tls-refused:1", windowSeconds: 61))
        // A new window: the budget is back, and a quiet window leaves no summary.
        #expect(again)
        let quiet = throttle.roll(now: start + .seconds(130))
        #expect(quiet == nil)
    }
}
