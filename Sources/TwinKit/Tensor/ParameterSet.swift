/// Ordered named tensors: the unit the federated layer moves, aggregates and stores.
///
/// Everything a component learns (network weights, sufficient statistics) is exposed as a
/// `ParameterSet`, so the coordinator can aggregate without linking any model code.
public struct ParameterSet: Sendable, Codable, Equatable {
    /// Tensors in schema order.
    public private(set) var tensors: [NamedTensor]

    /// Builds a set from tensors; names must be unique.
    public init(_ tensors: [NamedTensor]) throws {
        var seen = Set<String>()
        for tensor in tensors {
            guard seen.insert(tensor.name).inserted else {
                throw ParameterSetError.duplicateName(tensor.name)
            }
        }
        self.tensors = tensors
    }

    /// Unflattens `flat` according to `schema` (inverse of ``flattened()``).
    public init(schema: ParameterSchema, flat: [Double]) throws {
        guard flat.count == schema.totalCount else {
            throw ParameterSetError.countMismatch(name: "<flat>", expected: schema.totalCount, actual: flat.count)
        }
        var offset = 0
        var tensors: [NamedTensor] = []
        tensors.reserveCapacity(schema.tensors.count)
        for spec in schema.tensors {
            let slice = Array(flat[offset..<(offset + spec.count)])
            tensors.append(try NamedTensor(name: spec.name, shape: spec.shape, values: slice))
            offset += spec.count
        }
        try self.init(tensors)
    }

    /// All-zero set for a schema (the neutral element for sums and deltas).
    public static func zeros(_ schema: ParameterSchema) -> ParameterSet {
        // Force-try is safe: the flat vector is built from the schema itself.
        try! ParameterSet(schema: schema, flat: [Double](repeating: 0, count: schema.totalCount))
    }

    /// Schema (names and shapes, in order).
    public var schema: ParameterSchema { ParameterSchema(tensors.map(\.spec)) }

    /// Total scalar count.
    public var count: Int { tensors.reduce(0) { $0 + $1.values.count } }

    /// All values concatenated in schema order.
    public func flattened() -> [Double] {
        var flat: [Double] = []
        flat.reserveCapacity(count)
        for tensor in tensors { flat.append(contentsOf: tensor.values) }
        return flat
    }

    /// Tensor by name, or nil.
    public subscript(name: String) -> NamedTensor? {
        tensors.first { $0.name == name }
    }

    /// Tensor by name; throws ``ParameterSetError/missingTensor(_:)`` when absent.
    public func tensor(named name: String) throws -> NamedTensor {
        guard let tensor = self[name] else { throw ParameterSetError.missingTensor(name) }
        return tensor
    }

    /// Throws ``ParameterSetError/nonFinite(_:)`` naming the first tensor with NaN or ∞.
    /// Components call this before using received parameters.
    public func requireFinite() throws {
        for t in tensors where !t.values.allSatisfy(\.isFinite) {
            throw ParameterSetError.nonFinite(t.name)
        }
    }

    /// Throws unless this set has exactly `schema` (names, order and shapes).
    public func validate(against schema: ParameterSchema) throws {
        guard self.schema == schema else {
            throw ParameterSetError.schemaMismatch(
                expected: schema.tensors.map { "\($0.name)\($0.shape)" },
                actual: tensors.map { "\($0.name)\($0.shape)" })
        }
    }
}
