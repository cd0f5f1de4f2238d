import Foundation

/// Runs a cell-culture recipe through a model with realistic process disturbances.
///
/// As in ``FedBatchSimulator``: inputs are zero-order held per logging interval and each
/// interval is integrated by the adaptive ``DormandPrince45`` without stepping across an
/// input change, so what the log says is exactly what the simulated culture received.
/// Each offline sample removes `sampleVolume` over the logging interval it is taken in.
public struct CellCultureSimulator: Sendable {
    public var model: CellCultureModel
    public var settings: SimulationSettings
    /// Standard deviation of the true dissolved oxygen around its set-point (% saturation).
    public var dissolvedOxygenFluctuation: Double

    public init(model: CellCultureModel, settings: SimulationSettings, dissolvedOxygenFluctuation: Double = 2) {
        self.model = model
        self.settings = settings
        self.dissolvedOxygenFluctuation = dissolvedOxygenFluctuation
    }

    /// A simulation that could not be completed (a diverging integration): where it stopped.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var time: Double
        public var description: String { "cell-culture simulation diverged at t = \(time) h" }
    }

    /// Simulates one batch; disturbances are drawn from `rng`, so the same generator state
    /// gives the same batch.
    public func simulate(_ recipe: CellCultureRecipe, rng: inout Xoshiro256StarStar) throws -> SimulatedCellCulture {
        let dt = settings.onlineInterval
        let rows = Int((recipe.duration / dt).rounded()) + 1
        let assayEvery = max(1, Int((settings.offlineInterval / dt).rounded()))
        let integrator = DormandPrince45(relativeTolerance: settings.relativeTolerance,
                                         absoluteTolerance: settings.absoluteTolerance, maxStep: dt)
        var step: Double? = nil
        // AR(1) disturbances with stationary standard deviation 1.
        let a = Foundation.exp(-dt / max(settings.fluctuationTime, 1e-9))
        let innovation = (1 - a * a).squareRoot()
        var eT = rng.nextGaussian(), ePH = rng.nextGaussian(), eF = rng.nextGaussian(), eDO = rng.nextGaussian()

        var times: [Double] = [], states: [CellCultureState] = [], inputs: [CellCultureInputs] = [], assayed: [Bool] = []
        times.reserveCapacity(rows)
        states.reserveCapacity(rows)
        inputs.reserveCapacity(rows)
        assayed.reserveCapacity(rows)
        var y = recipe.initialState.vector
        for i in 0..<rows {
            let t = Double(i) * dt
            let isAssay = i % assayEvery == 0 || i == rows - 1
            let feed = recipe.feed(at: t) * max(0, 1 + settings.feedFluctuation * eF)
            let u = CellCultureInputs(
                feedRate: feed, glucoseInflow: feed * recipe.feedGlucose, glutamineInflow: feed * recipe.feedGlutamine,
                withdrawalRate: isAssay && i < rows - 1 ? settings.sampleVolume / dt : 0,
                temperature: recipe.temperature + settings.temperatureFluctuation * eT,
                pH: recipe.pH + settings.pHFluctuation * ePH,
                dissolvedOxygen: max(0, recipe.dissolvedOxygen + dissolvedOxygenFluctuation * eDO))
            times.append(t)
            states.append(CellCultureState(y))
            inputs.append(u)
            assayed.append(isAssay)
            if i < rows - 1 {
                let result = integrator.integrate(from: t, to: t + dt, y, initialStep: step) { _, state in
                    model.derivative(state, inputs: u)
                }
                if result.statistics.failed { throw Failure(time: result.statistics.stoppedAt ?? t) }
                y = result.state
                step = result.nextStep
            }
            eT = a * eT + innovation * rng.nextGaussian()
            ePH = a * ePH + innovation * rng.nextGaussian()
            eF = a * eF + innovation * rng.nextGaussian()
            eDO = a * eDO + innovation * rng.nextGaussian()
        }
        return SimulatedCellCulture(times: times, states: states, inputs: inputs, assayed: assayed, recipe: recipe)
    }
}
