/// A parametric ODE model of one batch that trajectory fitting can differentiate.
///
/// Fitting whole trajectories through the ODE needs the model's vector–Jacobian product,
/// not a full Jacobian: reverse mode through the integrator's steps costs one pullback per
/// stage whatever the number of parameters (a network has hundreds). Models write it out
/// by hand, as ``MLP/backward(_:outputGradient:parameterGradient:)`` does, and the tests
/// check it against finite differences.
public protocol TrajectoryModel: Sendable {
    /// What the model reads from the record over one row interval (flows, recorded
    /// variables), held constant over that interval.
    associatedtype Inputs: Sendable
    /// Length of the state vector.
    var stateCount: Int { get }
    /// Length of the flat, unconstrained parameter vector θ the fitter optimises.
    var parameterCount: Int { get }
    /// dy/dt at state `y`, time `t`, inputs `u` and parameters `θ`.
    func derivative(_ y: [Double], time t: Double, inputs u: Inputs, parameters θ: [Double]) -> [Double]
    /// λᵀ ∂f/∂y and λᵀ ∂f/∂θ at the same point, for a cotangent λ of length ``stateCount``.
    func pullback(_ y: [Double], time t: Double, inputs u: Inputs, parameters θ: [Double],
                  cotangent λ: [Double]) -> (state: [Double], parameters: [Double])
}
