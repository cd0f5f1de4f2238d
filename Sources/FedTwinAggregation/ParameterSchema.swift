import FedTwinWire

/// Names, dtypes and shapes of a component's parameters: all the coordinator needs to know
/// of a model, so that it can screen and aggregate without linking any model code.
public struct ParameterSchema: Sendable, Codable, Hashable {
    public var tensors: [TensorSpec]

    public init(tensors: [TensorSpec]) { self.tensors = tensors }

    /// The schema of a parameter set as it is.
    public init(describing parameters: [Tensor]) {
        self.tensors = parameters.map { TensorSpec(name: $0.name, dtype: $0.dtype, shape: $0.shape) }
    }

    /// Total number of scalar parameters.
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }

    /// Throws unless `candidate` has exactly these tensors, in this order, with these
    /// dtypes and shapes (what the coordinator answers with `schema-mismatch`).
    public func validate(_ candidate: [Tensor]) throws {
        guard candidate.count == tensors.count else {
            throw SchemaMismatch(tensor: nil, detail: "expected \(tensors.count) tensors, got \(candidate.count)")
        }
        for (spec, tensor) in zip(tensors, candidate) {
            guard spec.name == tensor.name else {
                throw SchemaMismatch(tensor: tensor.name, detail: "expected tensor '\(spec.name)' at this position")
            }
            guard spec.dtype == tensor.dtype else {
                throw SchemaMismatch(tensor: tensor.name, detail: "dtype \(tensor.dtype.rawValue), schema says \(spec.dtype.rawValue)")
            }
            guard spec.shape == tensor.shape else {
                throw SchemaMismatch(tensor: tensor.name, detail: "shape \(tensor.shape), schema says \(spec.shape)")
            }
        }
    }
}

/// One tensor of a schema.
public struct TensorSpec: Sendable, Codable, Hashable {
    public var name: String
    public var dtype: DType
    public var shape: [Int]

    public init(name: String, dtype: DType, shape: [Int]) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
    }

    public var elementCount: Int { shape.reduce(1, *) }
}

/// A parameter set that does not match the component's schema.
public struct SchemaMismatch: Error, Sendable, Equatable, CustomStringConvertible {
    public var tensor: String?
    public var detail: String

    public var description: String {
        "schema mismatch" + (tensor.map { " in tensor '\($0)'" } ?? "") + ": \(detail)"
    }
}
