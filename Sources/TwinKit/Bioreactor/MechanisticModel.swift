/// Fully mechanistic fed-batch model: PenSim kinetics inside the fixed balances.
///
/// Used to generate site data (with each site's strain multipliers) and, with nominal
/// kinetics, as the "mechanistic-only" baseline that learns nothing.
public struct MechanisticModel: Sendable, Equatable {
    public var kinetics: PenicillinKinetics
    public var evaporation: EvaporationModel

    public init(kinetics: PenicillinKinetics = .nominal, evaporation: EvaporationModel = .nominal) {
        self.kinetics = kinetics
        self.evaporation = evaporation
    }

    /// Balances with this model's hydrolysis constant.
    public var balance: FedBatchBalance {
        FedBatchBalance(hydrolysis: kinetics.hydrolysis, evaporation: evaporation)
    }

    /// d(X, S, P, V)/dt.
    public func derivative(_ y: SIMD4<Double>, inputs u: ReactorInputs) -> SIMD4<Double> {
        let rates = kinetics.rates(biomass: y[0], substrate: y[1], temperature: u.temperature, pH: u.pH)
        return balance.derivative(y, rates: rates, inputs: u)
    }
}
