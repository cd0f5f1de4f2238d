import Foundation
import TwinKit

/// The in-process side of `fedtwin experiment`: local and pooled training, and scoring
/// every model on one site's held-out batches in one harness.
enum ExperimentModels {
    /// A trained (or fixed) model, ready to simulate a recorded batch open-loop.
    enum Model: Sendable {
        case hybrid(ParameterSet)
        case networkOnly(ParameterSet)
        case mechanistic

        /// Open-loop trajectories of `records` (initial state and logged inputs of each).
        func simulate(_ records: [BatchRecord]) throws -> [[ReactorState]] {
            switch self {
            case .hybrid(let p):
                let c = HybridComponent()
                let model = HybridBioreactorModel(rates: try c.rateModel(p), hydrolysis: c.estimator.hydrolysis)
                return try records.map { try model.simulate($0, using: c.simulation) }
            case .networkOnly(let p):
                let c = NetworkOnlyComponent()
                let model = try c.model(p)
                return try records.map { try model.simulate($0, using: c.simulation) }
            case .mechanistic:
                let c = HybridComponent()
                let baseline = MechanisticBaseline()
                return try records.map { try baseline.simulate($0, using: c.simulation) }
            }
        }
    }

    /// Held-out metrics against the noisy assays and, when the simulator's truth is
    /// available for the same batches, against the truth (same simulations).
    struct Score: Sendable {
        var assays: TrajectoryMetrics
        var truth: TrajectoryMetrics?
    }

    static func score(_ model: Model, heldOut: [BatchRecord], truth: [BatchRecord]?) throws -> Score {
        let sims = try model.simulate(heldOut)
        let assays = TrajectoryMetrics.compute(Array(zip(heldOut, sims)).map { ($0.0, $0.1) })
        let reference = truth.map { TrajectoryMetrics.compute(simulated: sims, records: heldOut, reference: $0) }
        return Score(assays: assays, truth: reference)
    }

    /// The TwinKit component for a catalog id used by the experiment.
    static func component(_ id: String) throws -> any TwinComponent {
        switch id {
        case "hybrid-bioreactor": return HybridComponent()
        case "network-only": return NetworkOnlyComponent()
        default: throw CLIError("the experiment compares hybrid-bioreactor and network-only, not \(id)")
        }
    }

    static func model(_ id: String, _ parameters: ParameterSet) -> Model {
        id == "network-only" ? .networkOnly(parameters) : .hybrid(parameters)
    }

    /// Runs `work` for every index on all cores; results in index order.
    static func parallel<T: Sendable>(_ count: Int, _ work: @escaping @Sendable (Int) -> T) -> [T] {
        let box = ResultBox<T>(count)
        DispatchQueue.concurrentPerform(iterations: count) { i in box.set(i, work(i)) }
        return box.values
    }
}

/// Lock-protected slots for results computed on several threads.
final class ResultBox<T: Sendable>: @unchecked Sendable {
    private var slots: [T?]
    private let lock = NSLock()

    init(_ count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: T) {
        lock.lock()
        slots[index] = value
        lock.unlock()
    }

    var values: [T] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { $0! }
    }
}
