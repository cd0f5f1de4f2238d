import FedTwinWire

/// Everything a version's aggregation produces and the next one starts from: the global
/// parameters and the server optimiser's state (empty for stateless strategies).
public struct ModelState: Sendable, Equatable {
    public var parameters: [Tensor]
    /// E.g. FedAdam's first and second moments, one f64 tensor each per parameter tensor.
    public var optimizerState: [Tensor]

    public init(parameters: [Tensor], optimizerState: [Tensor] = []) {
        self.parameters = parameters
        self.optimizerState = optimizerState
    }
}
