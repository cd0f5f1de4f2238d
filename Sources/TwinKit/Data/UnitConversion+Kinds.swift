/// Units whose factor depends on the substance or the flow (molar mass, saturation,
/// density), and the kinds of quantity the data config reads beyond the single-file roles.
extension UnitConversion {
    /// Kinds the data config accepts for a named variable or an input.
    public enum Kind: String, Sendable, CaseIterable {
        /// g/L (also mg/L, g/mL, kg/m³; mmol/L and mol/L with a molar mass).
        case concentration
        /// 10⁶ cells/mL (also cells/mL, cells/L, 10⁹ cells/L).
        case cellDensity
        case volume
        case temperature
        case pH
        /// Dissolved oxygen as % of saturation (also fraction; mg/L with a saturation).
        case dissolvedOxygen
        /// L/h (volume flows).
        case volumeFlow
        /// kg/h (mass flows, turned into volume flows with a density).
        case massFlow
        /// kg/L.
        case density
    }

    /// Why a unit cannot be used.
    public enum UnitProblem: Error, Sendable, Equatable {
        case unknown
        case needsMolarMass
        case needsSaturation
    }

    /// The conversion of `unit` to the kind's canonical unit, or the problem.
    public static func convert(_ unit: String, kind: Kind, molarMass: Double? = nil, saturation: Double? = nil) -> Result<UnitConversion, UnitProblem> {
        let u = unit.trimmingCharacters(in: .whitespaces).lowercased()
        func table(_ t: [String: Double]) -> Result<UnitConversion, UnitProblem> {
            t[u].map { .success(UnitConversion(scale: $0, offset: 0)) } ?? .failure(.unknown)
        }
        switch kind {
        case .concentration:
            if let c = of(unit, for: .concentration) { return .success(c) }
            let molar: [String: Double] = ["mmol/l": 1e-3, "mm": 1e-3, "mol/l": 1, "m": 1, "µmol/l": 1e-6, "umol/l": 1e-6]
            guard let perMole = molar[u] else { return .failure(.unknown) }
            guard let molarMass, molarMass > 0, molarMass.isFinite else { return .failure(.needsMolarMass) }
            return .success(UnitConversion(scale: perMole * molarMass, offset: 0))
        case .cellDensity:
            return table(["1e6 cells/ml": 1, "10^6 cells/ml": 1, "cells/ml": 1e-6, "cells/l": 1e-9, "1e9 cells/l": 1, "1e5 cells/ml": 0.1])
        case .volume: return of(unit, for: .volume).map { .success($0) } ?? .failure(.unknown)
        case .temperature: return of(unit, for: .temperature).map { .success($0) } ?? .failure(.unknown)
        case .pH: return of(unit, for: .pH).map { .success($0) } ?? .failure(.unknown)
        case .dissolvedOxygen:
            if let c = of(unit, for: .percent) { return .success(c) }
            guard u == "mg/l" || u == "ppm" else { return .failure(.unknown) }
            guard let saturation, saturation > 0, saturation.isFinite else { return .failure(.needsSaturation) }
            return .success(UnitConversion(scale: 100 / saturation, offset: 0))
        case .volumeFlow: return of(unit, for: .flow).map { .success($0) } ?? .failure(.unknown)
        case .massFlow:
            return table(["kg/h": 1, "g/h": 1e-3, "g/min": 0.06, "kg/min": 60, "t/h": 1000, "kg/s": 3600, "g/s": 3.6])
        case .density:
            return table(["kg/l": 1, "g/ml": 1, "g/cm3": 1, "g/l": 1e-3, "kg/m3": 1e-3])
        }
    }

    /// The kind of a unit written for a variable of unknown name: the first kind that knows it.
    static func kind(ofVariableUnit unit: String, molarMass: Double?, saturation: Double?) -> Result<(Kind, UnitConversion), UnitProblem> {
        var problem = UnitProblem.unknown
        for kind in [Kind.concentration, .cellDensity, .volume, .temperature, .pH, .dissolvedOxygen] {
            switch convert(unit, kind: kind, molarMass: molarMass, saturation: saturation) {
            case .success(let c): return .success((kind, c))
            case .failure(let p) where p != .unknown: problem = p
            case .failure: continue
            }
        }
        return .failure(problem)
    }
}
