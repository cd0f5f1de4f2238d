/// One named tensor with its values in row-major order.
public struct NamedTensor: Sendable, Codable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Double]

    /// Creates a tensor; throws if the value count does not match the shape, because a
    /// silently reshaped tensor would be aggregated element-by-element with the wrong peer.
    public init(name: String, shape: [Int], values: [Double]) throws {
        let expected = shape.reduce(1, *)
        guard shape.allSatisfy({ $0 >= 0 }), values.count == expected else {
            throw ParameterSetError.countMismatch(name: name, expected: expected, actual: values.count)
        }
        self.name = name
        self.shape = shape
        self.values = values
    }

    /// Spec (name + shape) of this tensor.
    public var spec: TensorSpec { TensorSpec(name: name, shape: shape) }
}
