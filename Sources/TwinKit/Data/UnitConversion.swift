/// Affine conversion of a declared unit to TwinKit's canonical unit for a quantity:
/// `canonical = value · scale + offset`.
public struct UnitConversion: Sendable, Equatable {
    /// Kind of physical quantity a role holds (decides the canonical unit).
    public enum Quantity: String, Sendable, CaseIterable {
        case time, concentration, volume, flow, temperature, pH, percent
    }

    public var scale: Double
    public var offset: Double

    /// To canonical.
    public func toCanonical(_ v: Double) -> Double { v * scale + offset }
    /// From canonical (for writing files in a declared unit).
    public func fromCanonical(_ v: Double) -> Double { (v - offset) / scale }

    /// The conversion for `unit`, or nil when the unit is unknown for this quantity.
    /// Accepted spellings are deliberately few and explicit; an unknown unit is an error
    /// rather than a guess, since a silent factor of 1000 ruins a twin.
    public static func of(_ unit: String, for quantity: Quantity) -> UnitConversion? {
        let u = unit.trimmingCharacters(in: .whitespaces).lowercased()
        let table: [String: (Double, Double)]
        switch quantity {
        case .time:
            table = ["h": (1, 0), "hr": (1, 0), "hours": (1, 0), "min": (1.0 / 60, 0), "s": (1.0 / 3600, 0), "d": (24, 0), "days": (24, 0)]
        case .concentration:
            table = ["g/l": (1, 0), "mg/ml": (1, 0), "kg/m3": (1, 0), "mg/l": (1e-3, 0), "g/ml": (1000, 0)]
        case .volume:
            table = ["l": (1, 0), "ml": (1e-3, 0), "m3": (1000, 0)]
        case .flow:
            table = ["l/h": (1, 0), "ml/h": (1e-3, 0), "ml/min": (0.06, 0), "l/min": (60, 0), "m3/h": (1000, 0)]
        case .temperature:
            table = ["c": (1, 0), "degc": (1, 0), "°c": (1, 0), "k": (1, -273.15), "f": (5.0 / 9, -160.0 / 9)]
        case .pH:
            table = ["ph": (1, 0), "-": (1, 0), "": (1, 0)]
        case .percent:
            table = ["%": (1, 0), "percent": (1, 0), "fraction": (100, 0)]
        }
        return table[u].map { UnitConversion(scale: $0.0, offset: $0.1) }
    }
}

import Foundation
