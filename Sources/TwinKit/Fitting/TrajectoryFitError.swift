/// Why a trajectory could not be integrated, differentiated or fitted, and where.
///
/// A corrupt parameter vector or a batch whose record drives the ODE out of range must
/// not crash a site: the fitter throws this instead, naming the batch (its index in the
/// problems handed to the fitter) and the row, so the caller can skip and report it.
public struct TrajectoryFitError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// State `state` became NaN or infinite while integrating towards `row`, at `time` h.
        case nonFiniteState(state: Int, time: Double)
        /// The adjoint (cotangent) became non-finite at `row` while reversing through it.
        case nonFiniteGradient
        /// The problem's shape or values are unusable (counts, order of times, scales).
        case invalidProblem(String)
        /// θ has the wrong length for the model.
        case parameterCount(expected: Int, got: Int)
        /// θ[index] is NaN or infinite.
        case nonFiniteParameter(index: Int)
        /// The regulariser returned a non-finite value or gradient, or the wrong length.
        case invalidRegulariser(String)
        /// The fit options do not fit the model (e.g. bounds of the wrong count, or an
        /// initial θ outside them).
        case invalidOptions(String)
        /// Every problem handed to `fit` diverged (or none was given).
        case allDiverged(count: Int)
    }

    /// Index of the problem (batch) in the caller's list; nil when not tied to one.
    public var batch: Int?
    /// Row of the problem's grid; nil when not tied to one.
    public var row: Int?
    public var reason: Reason

    public init(batch: Int?, row: Int?, reason: Reason) {
        self.batch = batch
        self.row = row
        self.reason = reason
    }

    public var description: String {
        var place: [String] = []
        if let batch { place.append("batch \(batch)") }
        if let row { place.append("row \(row)") }
        let prefix = place.isEmpty ? "" : place.joined(separator: ", ") + ": "
        switch reason {
        case .nonFiniteState(let state, let time):
            return prefix + "state \(state) became non-finite at t = \(time) h"
        case .nonFiniteGradient:
            return prefix + "the adjoint became non-finite"
        case .invalidProblem(let what):
            return prefix + "invalid trajectory problem: \(what)"
        case .parameterCount(let expected, let got):
            return prefix + "parameter vector has \(got) entries, the model expects \(expected)"
        case .nonFiniteParameter(let index):
            return prefix + "parameter \(index) is not finite"
        case .invalidRegulariser(let what):
            return prefix + "regulariser: \(what)"
        case .invalidOptions(let what):
            return prefix + "fit options: \(what)"
        case .allDiverged(let count):
            return prefix + "all \(count) problems diverged; nothing left to fit"
        }
    }
}
