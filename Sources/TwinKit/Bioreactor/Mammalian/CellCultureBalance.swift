/// The mass balances of a fed-batch cell culture, separate from where the rates come from
/// (the mechanistic kinetics here; a learned model in a hybrid twin).
///
/// With inflow F (glucose and glutamine mass inflows F·glc_f, F·gln_f), withdrawal W at
/// broth concentrations and dilution D = F/V:
///
///     dV/dt   = F − W
///     dXv/dt  = (μ − μ_d)·Xv − D·Xv
///     dGLC/dt = −q_glc·Xv + F·glc_f/V − D·GLC
///     dGLN/dt = −q_gln·Xv − k_deg·GLN + F·gln_f/V − D·GLN
///     dLAC/dt = q_lac·Xv − D·LAC
///     dAMM/dt = q_amm·Xv + k_deg·GLN·M_NH3/M_Gln − D·AMM
///     dP/dt   = q_p·Xv − D·P
///
/// Withdrawal appears only in dV/dt, so each total mass obeys d(cV)/dt = reaction·V +
/// inflow − W·c exactly; glutamine decomposition conserves nitrogen (one NH₃ per glutamine).
/// The culture is closed (humidified off-gas): no evaporation.
public struct CellCultureBalance: Sendable, Equatable {
    /// Glutamine decomposition in the medium k_deg (1/h).
    public var glutamineDecomposition: Double

    public init(glutamineDecomposition: Double) {
        self.glutamineDecomposition = glutamineDecomposition
    }

    /// d(Xv, GLC, GLN, LAC, AMM, P, V, 0)/dt.
    @inline(__always)
    public func derivative(_ y: SIMD8<Double>, rates r: CellCultureRates, inputs u: CellCultureInputs) -> SIMD8<Double> {
        let xv = y[0], v = max(y[6], 1e-9)
        let d = u.feedRate / v
        let decomposed = glutamineDecomposition * max(y[2], 0)
        return SIMD8(
            (r.growth - r.death) * xv - d * xv,
            -r.glucoseUptake * xv + u.glucoseInflow / v - d * y[1],
            -r.glutamineUptake * xv - decomposed + u.glutamineInflow / v - d * y[2],
            r.lactateProduction * xv - d * y[3],
            r.ammoniaProduction * xv + decomposed * CellCultureKinetics.ammoniaMolarMass / CellCultureKinetics.glutamineMolarMass - d * y[4],
            r.productivity * xv - d * y[5],
            u.feedRate - u.withdrawalRate,
            0)
    }
}
