/// Why an MSPC model could not be built.
public enum MSPCError: Error, Sendable, Equatable, CustomStringConvertible {
    /// PCA limits need at least three reference batches.
    case tooFewBatches(Int)

    public var description: String {
        switch self {
        case let .tooFewBatches(n): return "MSPC needs at least 3 reference batches, got \(n)"
        }
    }
}
