/// Fits a ``TrajectoryModel`` to whole batch trajectories: fixed-step RK4 through each row
/// interval and the exact gradient of that computation by a discrete adjoint.
///
/// Why a discrete adjoint: the gradient is that of the loss the integrator actually
/// computes (not of the continuous ODE, which RK4 only approximates), so it agrees with
/// finite differences to rounding and Adam never follows a gradient of something else.
/// Reverse mode costs one model pullback per RK4 stage whatever the parameter count, where
/// forward sensitivities would carry an n_states × n_parameters matrix through every step
/// (hundreds of columns with a network). See docs/twin.md, "Trajectory fitting".
///
/// Integration: each row interval [tᵢ, tᵢ₊₁] takes `ceil(span / maxStep)` equal RK4 steps
/// with the interval's inputs held constant, so no step crosses a change of feed or set
/// point. At each row the observations are compared with the integrated state, and then
/// the recorded states are reset to their logged value; no gradient flows through a reset.
///
/// Clamping (`clampsAtZero`): after every RK4 step, negative states are set to 0. The
/// adjoint treats the clamp as the function it is: a clamped component passes no gradient
/// (derivative 0), an unclamped one passes it unchanged. This is the exact gradient of the
/// clamped computation everywhere except exactly at a kink, which finite differences
/// confirm away from kinks. Off by default, since not every model's states are positive.
public struct TrajectoryFitter<Model: TrajectoryModel>: Sendable {
    public typealias Problem = TrajectoryProblem<Model.Inputs>

    public var model: Model
    /// Largest RK4 step (h).
    public var maxStep: Double
    /// Set negative states to 0 after every step (see the type's documentation).
    public var clampsAtZero: Bool

    public init(model: Model, maxStep: Double, clampsAtZero: Bool = false) {
        precondition(maxStep > 0 && maxStep.isFinite, "maxStep must be positive")
        self.model = model
        self.maxStep = maxStep
        self.clampsAtZero = clampsAtZero
    }

    /// The integrated state at every row, before that row's recorded resets (what the
    /// observations are compared with); `rows × stateCount`.
    public func simulate(_ problem: Problem, parameters θ: [Double], batch: Int? = nil) throws -> [[Double]] {
        let layout = try TrajectoryLayout(problem: problem, stateCount: model.stateCount, parameters: θ, expectedParameterCount: model.parameterCount, maxStep: maxStep, batch: batch)
        var tape = TrajectoryTape(layout: layout, stateCount: model.stateCount, recordsStages: false)
        _ = try forward(problem, θ, layout, &tape, batch: batch)
        let s = model.stateCount
        return (0..<problem.times.count).map { Array(tape.rowStates[($0 * s)..<($0 * s + s)]) }
    }

    /// Mean over the problem's observations of ((prediction − value) / scale)²; 0 when it has
    /// no observations.
    public func loss(_ problem: Problem, parameters θ: [Double], batch: Int? = nil) throws -> Double {
        let (sum, count) = try sumOfSquares(problem, parameters: θ, batch: batch)
        return count > 0 ? sum / Double(count) : 0
    }

    /// ``loss(_:parameters:batch:)`` and its exact gradient with respect to θ.
    public func lossAndGradient(_ problem: Problem, parameters θ: [Double], batch: Int? = nil) throws -> (loss: Double, gradient: [Double]) {
        let r = try sumOfSquaresAndGradient(problem, parameters: θ, batch: batch)
        guard r.count > 0 else { return (0, [Double](repeating: 0, count: model.parameterCount)) }
        let scale = 1 / Double(r.count)
        return (r.sum * scale, r.gradient.map { $0 * scale })
    }

    /// Sum of scaled squared residuals and the number of observations (minibatches pool
    /// observations across problems, so the fit needs the unnormalised sum).
    func sumOfSquares(_ problem: Problem, parameters θ: [Double], batch: Int?) throws -> (sum: Double, count: Int) {
        let layout = try TrajectoryLayout(problem: problem, stateCount: model.stateCount, parameters: θ, expectedParameterCount: model.parameterCount, maxStep: maxStep, batch: batch)
        var tape = TrajectoryTape(layout: layout, stateCount: model.stateCount, recordsStages: false)
        let sum = try forward(problem, θ, layout, &tape, batch: batch)
        return (sum, problem.observations.count)
    }

    /// Sum of scaled squared residuals, its gradient, and the number of observations.
    func sumOfSquaresAndGradient(_ problem: Problem, parameters θ: [Double], batch: Int?) throws -> (sum: Double, gradient: [Double], count: Int) {
        let layout = try TrajectoryLayout(problem: problem, stateCount: model.stateCount, parameters: θ, expectedParameterCount: model.parameterCount, maxStep: maxStep, batch: batch)
        var tape = TrajectoryTape(layout: layout, stateCount: model.stateCount, recordsStages: true)
        let sum = try forward(problem, θ, layout, &tape, batch: batch)
        let gradient = try backward(problem, θ, layout, tape, batch: batch)
        return (sum, gradient, problem.observations.count)
    }
}
