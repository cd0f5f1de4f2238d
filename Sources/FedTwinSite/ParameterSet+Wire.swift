import FedTwinWire
import TwinKit

extension ParameterSet {
    /// Wire tensors in this set's order, in `dtype`.
    public func wireTensors(dtype: DType) -> [Tensor] {
        tensors.map { t in
            dtype == .f32 ? Tensor(name: t.name, shape: t.shape, floats: t.values.map { Float($0) })
                          : Tensor(name: t.name, shape: t.shape, doubles: t.values)
        }
    }

    /// A parameter set from received tensors, checked against the component's schema.
    public init(wire tensors: [Tensor], schema: ParameterSchema) throws {
        let named = try tensors.map { try NamedTensor(name: $0.name, shape: $0.shape, values: $0.values.doubles) }
        guard named.map(\.spec) == schema.tensors else {
            throw SiteError(.protocolViolation("parameters do not match the component schema (\(named.map(\.name)) vs \(schema.names))"))
        }
        try self.init(named)
    }

    /// `self − base`, as wire tensors in `dtype`: what a site uploads.
    public func delta(from base: ParameterSet, dtype: DType) throws -> [Tensor] {
        guard base.tensors.map(\.spec) == tensors.map(\.spec) else {
            throw SiteError(.protocolViolation("trained parameters do not match the base schema"))
        }
        return zip(tensors, base.tensors).map { new, old in
            let d = zip(new.values, old.values).map { $0 - $1 }
            return dtype == .f32 ? Tensor(name: new.name, shape: new.shape, floats: d.map { Float($0) })
                                 : Tensor(name: new.name, shape: new.shape, doubles: d)
        }
    }
}
