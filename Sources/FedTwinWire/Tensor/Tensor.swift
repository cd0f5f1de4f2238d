/// A named tensor: the unit in which model parameters, deltas and statistics travel.
///
/// Values are kept in their logical precision (`f32` or `f64`); how they are stored on the
/// wire is chosen per payload (see `TensorEncoding`).
public struct Tensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: TensorValues

    public init(name: String, shape: [Int], values: TensorValues) {
        self.name = name
        self.shape = shape
        self.values = values
    }

    public init(name: String, shape: [Int], floats: [Float]) {
        self.init(name: name, shape: shape, values: .f32(floats))
    }

    public init(name: String, shape: [Int], doubles: [Double]) {
        self.init(name: name, shape: shape, values: .f64(doubles))
    }

    public var dtype: DType { values.dtype }

    /// Number of elements, the product of the shape (1 for a scalar, shape `[]`).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// Element storage in the tensor's logical dtype.
public enum TensorValues: Sendable, Equatable {
    case f32([Float])
    case f64([Double])

    public var dtype: DType {
        switch self {
        case .f32: return .f32
        case .f64: return .f64
        }
    }

    public var count: Int {
        switch self {
        case .f32(let v): return v.count
        case .f64(let v): return v.count
        }
    }

    /// The values widened to `Double` (exact for both dtypes).
    public var doubles: [Double] {
        switch self {
        case .f32(let v): return v.map(Double.init)
        case .f64(let v): return v
        }
    }
}

/// Logical element type of a tensor.
public enum DType: String, Sendable, Codable, CaseIterable {
    case f32
    case f64
}
