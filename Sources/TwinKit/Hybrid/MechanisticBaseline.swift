/// The "mechanistic-only" baseline: nominal PenSim kinetics, nothing learned.
///
/// It shows what literature kinetics alone achieve on a site's batches; the hybrid
/// should beat it wherever the site's strain or sensors differ from the literature.
public struct MechanisticBaseline: Sendable {
    public var model: MechanisticModel

    public init(kinetics: PenicillinKinetics = .nominal) {
        self.model = MechanisticModel(kinetics: kinetics)
    }

    /// Open-loop trajectory of a recorded batch.
    public func simulate(_ record: BatchRecord, using simulation: RecordedInputSimulation = RecordedInputSimulation()) throws -> [ReactorState] {
        try simulation.run(record) { y, u in model.derivative(y, inputs: u) }
    }

    /// Metrics over held-out batches.
    public func evaluate(on records: [BatchRecord]) throws -> TrajectoryMetrics {
        TrajectoryMetrics.compute(try records.map { ($0, try simulate($0)) })
    }
}
