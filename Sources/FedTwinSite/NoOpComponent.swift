import TwinKit

/// A component whose training changes nothing: for measuring the federation's own
/// per-round overhead (framing, signatures, aggregation, commits) without model cost.
public struct NoOpComponent: TwinComponent {
    public let id = "noop"
    public let aggregation = AggregationKind.weightedMean
    public var parameterCount: Int

    public init(parameterCount: Int = NoOpComponent.defaultParameterCount) {
        self.parameterCount = parameterCount
    }

    /// 10,000: the size the round benchmarks (scripts/bench-rounds.sh) use unless told otherwise.
    public static let defaultParameterCount = 10_000
    /// The counts `--params` accepts: one value up to 2^31 (8 GiB of f32); the store records
    /// the count in its component schema, so every manifest and replay has it.
    public static let parameterCounts = 1...(1 << 31)

    public var schema: ParameterSchema {
        ParameterSchema([TensorSpec(name: "weights", shape: [parameterCount])])
    }

    public func initialParameters(seed: UInt64) -> ParameterSet {
        var rng = Xoshiro256StarStar(seed: seed)
        let values = (0..<parameterCount).map { _ in rng.nextGaussian() * 0.05 }
        return try! ParameterSet([try! NamedTensor(name: "weights", shape: [parameterCount], values: values)])
    }

    public func train(from parameters: ParameterSet, on training: [BatchRecord], config: TrainingConfig) throws -> TrainingResult {
        TrainingResult(parameters: parameters, samples: 1, metrics: ["loss": 0])
    }

    public func evaluate(_ parameters: ParameterSet, on heldOut: [BatchRecord]) throws -> [String: Double] {
        ["loss": 0]
    }
}
