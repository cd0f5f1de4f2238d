/// An open-loop simulation could not be completed (non-finite rates, e.g. from corrupt
/// parameters, or a step-size collapse). Thrown instead of crashing the site process.
public struct SimulationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var batchID: String
    /// Time (h) at which integration stopped.
    public var time: Double

    public init(batchID: String, time: Double) {
        self.batchID = batchID
        self.time = time
    }

    public var description: String { "batch '\(batchID)': simulation diverged at \(time) h" }
}
