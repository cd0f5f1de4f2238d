/// The fixed mass balances of a fed-batch reactor, shared by the simulator, the
/// mechanistic baseline and the hybrid twin (which only swaps where the rates come from).
///
/// With inflow F (substrate mass inflow F·s_f), withdrawal W and evaporation E:
///
///     dV/dt = F − W − E
///     dX/dt = μX − (F − E)/V · X
///     dS/dt = −σX + F·s_f/V − (F − E)/V · S
///     dP/dt = πX − K·P − (F − E)/V · P
///
/// Withdrawal removes broth at the current concentrations, so it appears only in dV/dt;
/// the total substrate mass then obeys d(SV)/dt = −σXV + F·s_f − W·S exactly.
public struct FedBatchBalance: Sendable, Equatable {
    /// First-order product hydrolysis constant K (1/h).
    public var hydrolysis: Double
    /// Volume loss model.
    public var evaporation: EvaporationModel

    public init(hydrolysis: Double, evaporation: EvaporationModel = .nominal) {
        self.hydrolysis = hydrolysis
        self.evaporation = evaporation
    }

    /// d(X, S, P, V)/dt.
    @inline(__always)
    public func derivative(_ y: SIMD4<Double>, rates: SpecificRates, inputs u: ReactorInputs) -> SIMD4<Double> {
        let x = y[0], s = y[1], p = y[2], v = max(y[3], 1e-9)
        let e = u.evaporationRate ?? evaporation.rate(volume: v, temperature: u.temperature)
        let dilution = (u.feedRate - e) / v
        return SIMD4(
            rates.growth * x - dilution * x,
            -rates.uptake * x + u.substrateInflow / v - dilution * s,
            rates.production * x - hydrolysis * p - dilution * p,
            u.feedRate - u.withdrawalRate - e)
    }
}
