/// Why a parameter set could not be built or combined.
public enum ParameterSetError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A tensor's value count does not match its shape (or a flat vector's length the schema).
    case countMismatch(name: String, expected: Int, actual: Int)
    /// Two tensors share a name.
    case duplicateName(String)
    /// Two parameter sets (or a set and a schema) do not describe the same tensors.
    case schemaMismatch(expected: [String], actual: [String])
    /// A tensor the caller needs is absent.
    case missingTensor(String)
    /// A tensor holds NaN or infinity.
    case nonFinite(String)

    public var description: String {
        switch self {
        case let .countMismatch(name, expected, actual):
            return "tensor '\(name)': expected \(expected) values, got \(actual)"
        case let .duplicateName(name):
            return "duplicate tensor name '\(name)'"
        case let .schemaMismatch(expected, actual):
            return "schema mismatch: expected \(expected), got \(actual)"
        case let .missingTensor(name):
            return "missing tensor '\(name)'"
        case let .nonFinite(name):
            return "tensor '\(name)' contains NaN or infinity"
        }
    }
}
