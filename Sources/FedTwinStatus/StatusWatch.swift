import Foundation

/// The loop behind `fedtwin status --watch`: fetch the report, draw it, wait, again — until
/// the coordinator reports `finished` (drawn once more, then the loop returns) or a fetch
/// fails (thrown: a coordinator that went away is an error, not a quiet end). Without
/// `watch`, one fetch and one draw.
public struct StatusWatch: Sendable {
    public var watch: Bool
    public var interval: Duration

    public init(watch: Bool, interval: Duration) {
        self.watch = watch
        self.interval = interval
    }

    /// Returns the last report drawn.
    @discardableResult
    public func run(fetch: () async throws -> StatusReport, draw: (StatusReport) -> Void) async throws -> StatusReport {
        while true {
            let report = try await fetch()
            draw(report)
            if !watch || report.isFinal { return report }
            try await Task.sleep(for: interval)
        }
    }
}
