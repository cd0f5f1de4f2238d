/// Intermediate values of one forward pass, kept for the backward pass.
public struct MLPTrace: Sendable {
    /// `activations[0]` is the input; `activations[l + 1]` the output of layer `l`.
    public var activations: [[Double]]
    /// Pre-activations `z` of each layer.
    public var preActivations: [[Double]]

    /// Network output.
    public var output: [Double] { activations[activations.count - 1] }
}
