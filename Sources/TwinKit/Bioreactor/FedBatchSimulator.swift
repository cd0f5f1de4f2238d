import Foundation

/// Runs a recipe through a mechanistic model with realistic process disturbances.
///
/// Inputs are zero-order held per logging interval and each interval is integrated by the
/// adaptive ``DormandPrince45`` (never stepping across an input change); so what the log says is exactly
/// what the simulated process received, and a model replaying the log sees the same inputs.
public struct FedBatchSimulator: Sendable {
    public var model: MechanisticModel
    public var settings: SimulationSettings

    public init(model: MechanisticModel, settings: SimulationSettings = SimulationSettings()) {
        self.model = model
        self.settings = settings
    }

    /// Simulates one batch. Disturbances (temperature, pH and feed fluctuations) are drawn
    /// from `rng`, so the same generator state gives the same batch.
    public func simulate(_ recipe: BatchRecipe, rng: inout Xoshiro256StarStar) -> SimulatedBatch {
        let dt = settings.onlineInterval
        let rows = Int((recipe.duration / dt).rounded()) + 1
        let assayEvery = max(1, Int((settings.offlineInterval / dt).rounded()))
        let integrator = DormandPrince45(relativeTolerance: settings.relativeTolerance,
                                         absoluteTolerance: settings.absoluteTolerance,
                                         maxStep: dt)
        var step: Double? = nil
        // AR(1) with stationary standard deviation 1: e ← a·e + sqrt(1 − a²)·N(0,1).
        let a = Foundation.exp(-dt / max(settings.fluctuationTime, 1e-9))
        let innovation = (1 - a * a).squareRoot()
        var eT = rng.nextGaussian()
        var ePH = rng.nextGaussian()
        var eF = rng.nextGaussian()

        var times: [Double] = []
        var states: [ReactorState] = []
        var inputs: [ReactorInputs] = []
        var assayed: [Bool] = []
        times.reserveCapacity(rows)
        states.reserveCapacity(rows)
        inputs.reserveCapacity(rows)
        assayed.reserveCapacity(rows)

        var y = recipe.initialState.vector
        for i in 0..<rows {
            let t = Double(i) * dt
            let isAssay = i % assayEvery == 0 || i == rows - 1
            let feed = recipe.feed(at: t) * max(0, 1 + settings.feedFluctuation * eF)
            let u = ReactorInputs(
                feedRate: feed,
                substrateInflow: feed * recipe.feedConcentration,
                withdrawalRate: isAssay && i < rows - 1 ? settings.sampleVolume / dt : 0,
                temperature: recipe.temperature + settings.temperatureFluctuation * eT,
                pH: recipe.pH + settings.pHFluctuation * ePH)
            times.append(t)
            states.append(ReactorState(y))
            inputs.append(u)
            assayed.append(isAssay)
            if i < rows - 1 {
                let result = integrator.integrate(from: t, to: t + dt, y, initialStep: step) { _, state in
                    model.derivative(state, inputs: u)
                }
                // Profiles are validated on load; a failure here is a programming error.
                precondition(!result.statistics.failed, "simulation diverged at t = \(result.statistics.stoppedAt ?? t) h")
                y = result.state
                step = result.nextStep
            }
            eT = a * eT + innovation * rng.nextGaussian()
            ePH = a * ePH + innovation * rng.nextGaussian()
            eF = a * eF + innovation * rng.nextGaussian()
        }
        return SimulatedBatch(times: times, states: states, inputs: inputs, assayed: assayed, recipe: recipe)
    }
}
