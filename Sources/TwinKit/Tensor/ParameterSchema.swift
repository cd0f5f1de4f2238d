/// Ordered list of tensor specs: the contract between a component and the aggregator.
///
/// Order matters: flattening and the wire format both follow it, so two parties agree on
/// which number is which without sending names for every element.
public struct ParameterSchema: Sendable, Codable, Hashable {
    /// Tensors in canonical order.
    public var tensors: [TensorSpec]

    public init(_ tensors: [TensorSpec]) {
        self.tensors = tensors
    }

    /// Total number of scalars across all tensors.
    public var totalCount: Int { tensors.reduce(0) { $0 + $1.count } }

    /// Names in order.
    public var names: [String] { tensors.map(\.name) }
}
