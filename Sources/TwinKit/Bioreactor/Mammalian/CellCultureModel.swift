/// Fully mechanistic cell-culture model: ``CellCultureKinetics`` inside the
/// ``CellCultureBalance``. Generates the mammalian sites' data (with each cell line's
/// multipliers) and, with nominal kinetics, is the "mechanistic with the prior" baseline.
public struct CellCultureModel: Sendable, Equatable {
    public var kinetics: CellCultureKinetics

    public init(kinetics: CellCultureKinetics = .nominal) {
        self.kinetics = kinetics
    }

    public var balance: CellCultureBalance {
        CellCultureBalance(glutamineDecomposition: kinetics.glutamineDecomposition)
    }

    /// d(state)/dt.
    public func derivative(_ y: SIMD8<Double>, inputs u: CellCultureInputs) -> SIMD8<Double> {
        let rates = kinetics.rates(CellCultureState(y), temperature: u.temperature, pH: u.pH)
        return balance.derivative(y, rates: rates, inputs: u)
    }
}
