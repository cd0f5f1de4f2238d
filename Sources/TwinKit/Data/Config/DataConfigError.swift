/// A data config that cannot be used, found before any data is read: the config file, the
/// key path concerned and what is wrong.
public struct DataConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case noFiles
        /// Both the single-file keys (`csv`, `mapping`) and `files` are given, or neither.
        case layout
        case unknownUnit(String)
        /// The unit is known but of another kind (a volume unit for biomass).
        case wrongKind(unit: String, expected: String)
        case needsMolarMass(String)
        case needsSaturation(String)
        /// A mass flow without a density.
        case needsDensity(String)
        /// A quantity with neither or both of `column` and `value`.
        case columnOrValue
        case duplicateName(String)
        /// `file` names no entry of `files`.
        case unknownFile(String)
        case heldOutFraction(Double)
        case notFinite(Double)
        /// `titre` and `product` name the same variable.
        case sameVariable(String, String)
        case recordedInputNotVolume(String)
    }

    /// The data config file.
    public var file: String
    /// Dotted key path (`feeds[1].flow.density`).
    public var key: String
    public var problem: Problem

    public init(file: String, key: String, problem: Problem) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    public var description: String {
        let what: String
        switch problem {
        case .noFiles: what = "no data files are listed"
        case .layout: what = "give either `files` (with `variables`, `feeds`, …) or the single-file `csv` and `mapping`, not both"
        case .unknownUnit(let u): what = "unknown unit '\(u)'"
        case let .wrongKind(u, expected): what = "unit '\(u)' is not a unit of \(expected)"
        case .needsMolarMass(let u): what = "unit '\(u)' needs `molarMass` (g/mol)"
        case .needsSaturation(let u): what = "unit '\(u)' needs `saturation` (mg/L at 100 % saturation)"
        case .needsDensity(let u): what = "mass flow in '\(u)' needs a `density` (column or value)"
        case .columnOrValue: what = "give exactly one of `column` and `value`"
        case .duplicateName(let n): what = "name '\(n)' is used twice"
        case .unknownFile(let f): what = "'\(f)' is not the path of any entry of `files`"
        case .heldOutFraction(let f): what = "heldOutFraction \(f) must be in [0, 1)"
        case .notFinite(let v): what = "\(v) must be a finite number greater than zero"
        case let .sameVariable(a, b): what = "'\(a)' and '\(b)' name the same variable: map only one"
        case .recordedInputNotVolume(let n): what = "only `volume` can be a recorded input, not '\(n)'"
        }
        return "\(file): key '\(key)': \(what)"
    }
}
