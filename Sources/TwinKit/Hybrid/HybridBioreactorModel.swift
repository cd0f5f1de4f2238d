/// The serial hybrid twin: learned specific rates inside the fixed fed-batch balances.
public struct HybridBioreactorModel: Sendable {
    public var rates: HybridRateModel
    public var balance: FedBatchBalance

    public init(rates: HybridRateModel, hydrolysis: Double = PenicillinKinetics.nominal.hydrolysis,
                evaporation: EvaporationModel = .nominal) {
        self.rates = rates
        self.balance = FedBatchBalance(hydrolysis: hydrolysis, evaporation: evaporation)
    }

    /// d(X, S, P, V)/dt.
    @inline(__always)
    public func derivative(_ y: SIMD4<Double>, inputs u: ReactorInputs) -> SIMD4<Double> {
        let r = rates.rates(biomass: y[0], substrate: y[1], product: y[2], temperature: u.temperature, pH: u.pH)
        return balance.derivative(y, rates: r, inputs: u)
    }

    /// Open-loop trajectory of a recorded batch.
    public func simulate(_ record: BatchRecord, using simulation: RecordedInputSimulation = RecordedInputSimulation()) throws -> [ReactorState] {
        try simulation.run(record) { y, u in derivative(y, inputs: u) }
    }
}
