/// Name and shape of one tensor in a parameter schema.
///
/// The federated layer only ever needs this plain description (never the model code) to
/// allocate, check and aggregate updates, so it is `Codable` and travels in manifests.
public struct TensorSpec: Sendable, Codable, Hashable {
    /// Stable name, e.g. `"layer0.weight"`.
    public var name: String
    /// Dimensions, outermost first (row-major). A scalar has shape `[1]`.
    public var shape: [Int]

    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
    }

    /// Number of elements (product of the shape).
    public var count: Int { shape.reduce(1, *) }
}
