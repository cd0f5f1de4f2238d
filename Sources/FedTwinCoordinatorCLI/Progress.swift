import FedTwinCoordinator
import Foundation

/// Live progress lines on stderr for the operator.
struct Progress: Sendable {
    let quiet: Bool

    func report(_ event: CoordinatorEvent) {
        guard !quiet else { return }
        say(event.progressLine)
    }

    /// One line on stderr, marked as the coordinator's.
    func say(_ line: String) {
        FileHandle.standardError.write(Data(("[coordinator] " + line + "\n").utf8))
    }
}
