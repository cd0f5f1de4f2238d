import Foundation

/// The "network-only" baseline: an MLP predicts dX/dt, dS/dt and dP/dt directly from
/// state, conditions and feed, with no mass balances.
///
/// Same inputs as the hybrid plus the dilution rate F/V and the substrate feed F·s_f/V
/// (it must learn their effect, which the hybrid gets from the balances). Volume is still
/// integrated from the logged flows so both models see the same V. The only physics kept
/// is that simulated concentrations are not allowed below zero.
public struct NetworkOnlyModel: Sendable, Equatable {
    public var network: MLP
    public var scaling: RateFeatureScaling
    /// Scales of dX/dt, dS/dt, dP/dt (g/L/h): network outputs are multiplied by these.
    public var slopeScales: SIMD3<Double>
    /// Scales of F/V (1/h) and F·s_f/V (g/L/h) inputs.
    public var dilutionScale: Double
    public var feedScale: Double
    public var evaporation: EvaporationModel

    public static let inputCount = RateFeatureScaling.count + 2
    public static let layerSizes = [inputCount, 12, 12, 3]

    public init(network: MLP, scaling: RateFeatureScaling = RateFeatureScaling(), slopeScales: SIMD3<Double> = SIMD3(0.5, 1.0, 0.01),
                dilutionScale: Double = 5e-4, feedScale: Double = 0.3, evaporation: EvaporationModel = .nominal) {
        precondition(network.inputCount == Self.inputCount && network.outputCount == 3)
        self.network = network
        self.scaling = scaling
        self.slopeScales = slopeScales
        self.dilutionScale = dilutionScale
        self.feedScale = feedScale
        self.evaporation = evaporation
    }

    public static func initial(seed: UInt64) -> NetworkOnlyModel {
        NetworkOnlyModel(network: MLP(layerSizes: layerSizes, hidden: .tanh, output: .linear, seed: seed))
    }

    /// Network input vector.
    public func features(biomass x: Double, substrate s: Double, product p: Double, volume v: Double,
                         temperature: Double, pH: Double, feedRate: Double, substrateInflow: Double) -> [Double] {
        scaling.features(biomass: x, substrate: s, product: p, temperature: temperature, pH: pH)
            + [feedRate / max(v, 1e-9) / dilutionScale - 1, substrateInflow / max(v, 1e-9) / feedScale - 1]
    }

    /// d(X, S, P, V)/dt.
    public func derivative(_ y: SIMD4<Double>, inputs u: ReactorInputs) -> SIMD4<Double> {
        let out = network.forward(features(biomass: y[0], substrate: y[1], product: y[2], volume: y[3], temperature: u.temperature,
                                           pH: u.pH, feedRate: u.feedRate, substrateInflow: u.substrateInflow))
        var d = SIMD4<Double>(out[0] * slopeScales[0], out[1] * slopeScales[1], out[2] * slopeScales[2],
                              u.feedRate - u.withdrawalRate - (u.evaporationRate ?? evaporation.rate(volume: y[3], temperature: u.temperature)))
        // No balances, but concentrations cannot become negative: stop a falling one at zero.
        for k in 0..<3 where y[k] <= 0 && d[k] < 0 { d[k] = 0 }
        return d
    }

    /// Open-loop trajectory of a recorded batch.
    public func simulate(_ record: BatchRecord, using simulation: RecordedInputSimulation = RecordedInputSimulation()) throws -> [ReactorState] {
        try simulation.run(record) { y, u in derivative(y, inputs: u) }
    }
}
