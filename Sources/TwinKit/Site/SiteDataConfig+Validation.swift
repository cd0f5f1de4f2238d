/// Checks every key of a multi-file config before any data is read: a wrong unit found
/// after an hour of parsing, or never (a column nobody looks at), is worse than none.
extension SiteDataConfig {
    func validate(file: String) throws {
        func fail(_ key: String, _ problem: DataConfigError.Problem) -> DataConfigError {
            DataConfigError(file: file, key: key, problem: problem)
        }
        guard let files, !files.isEmpty else { throw fail("files", .noFiles) }
        var paths = Set<String>()
        for (i, f) in files.enumerated() {
            guard paths.insert(f.path).inserted else { throw fail("files[\(i)].path", .duplicateName(f.path)) }
            if (f.time.format ?? .elapsed) == .elapsed, UnitConversion.of(f.time.unit ?? "h", for: .time) == nil {
                throw fail("files[\(i)].time.unit", .unknownUnit(f.time.unit ?? ""))
            }
        }
        func checkFile(_ key: String, _ name: String?) throws {
            if let name, !paths.contains(name) { throw fail(key + ".file", .unknownFile(name)) }
        }
        func checkUnit(_ key: String, _ unit: String, _ kind: UnitConversion.Kind, molarMass: Double? = nil, saturation: Double? = nil) throws {
            for (k, v) in [("molarMass", molarMass), ("saturation", saturation)] {
                if let v, !(v.isFinite && v > 0) { throw fail("\(key).\(k)", .notFinite(v)) }
            }
            switch UnitConversion.convert(unit, kind: kind, molarMass: molarMass, saturation: saturation) {
            case .success: return
            case .failure(.needsMolarMass): throw fail(key + ".unit", .needsMolarMass(unit))
            case .failure(.needsSaturation): throw fail(key + ".unit", .needsSaturation(unit))
            case .failure(.unknown):
                let known = UnitConversion.Kind.allCases.contains { if case .success = UnitConversion.convert(unit, kind: $0, molarMass: 1, saturation: 1) { return true } else { return false } }
                throw fail(key + ".unit", known ? .wrongKind(unit: unit, expected: kind.rawValue) : .unknownUnit(unit))
            }
        }
        func checkQuantity(_ key: String, _ q: QuantitySpec, _ kind: UnitConversion.Kind) throws {
            guard (q.column == nil) != (q.value == nil) else { throw fail(key, .columnOrValue) }
            if let v = q.value, !v.isFinite { throw fail(key + ".value", .notFinite(v)) }
            try checkFile(key, q.file)
            try checkUnit(key, q.unit, kind, molarMass: q.molarMass)
        }
        func checkFlow(_ key: String, _ flow: FlowSpec) throws {
            try checkFile(key, flow.file)
            if case .success = UnitConversion.convert(flow.unit, kind: .volumeFlow) { return }
            try checkUnit(key, flow.unit, .massFlow)
            guard let density = flow.density else { throw fail(key + ".density", .needsDensity(flow.unit)) }
            try checkQuantity(key + ".density", density, .density)
        }
        var names = Set<String>()
        for (i, v) in (variables ?? []).enumerated() {
            let key = "variables[\(i)]"
            guard names.insert(v.name).inserted else { throw fail(key + ".name", .duplicateName(v.name)) }
            try checkFile(key, v.file)
            if v.recordedInput == true, v.name != "volume" { throw fail(key + ".recordedInput", .recordedInputNotVolume(v.name)) }
            if let kind = Self.builtInKinds[v.name] {
                try checkUnit(key, v.unit, kind, molarMass: v.molarMass, saturation: v.saturation)
            } else {
                switch UnitConversion.kind(ofVariableUnit: v.unit, molarMass: v.molarMass, saturation: v.saturation) {
                case .success: break
                case .failure(.needsMolarMass): throw fail(key + ".unit", .needsMolarMass(v.unit))
                case .failure(.needsSaturation): throw fail(key + ".unit", .needsSaturation(v.unit))
                case .failure(.unknown): throw fail(key + ".unit", .unknownUnit(v.unit))
                }
            }
        }
        if names.contains("titre") && names.contains("product") { throw fail("variables", .sameVariable("titre", "product")) }
        var flowNames = Set<String>()
        for (i, feed) in (feeds ?? []).enumerated() {
            let key = "feeds[\(i)]"
            if let n = feed.name, !flowNames.insert(n).inserted { throw fail(key + ".name", .duplicateName(n)) }
            try checkFlow(key + ".flow", feed.flow)
            var substances = Set<String>()
            for (j, c) in (feed.carries ?? []).enumerated() {
                guard substances.insert(c.substance).inserted else { throw fail("\(key).carries[\(j)].substance", .duplicateName(c.substance)) }
                try checkQuantity("\(key).carries[\(j)]", c.quantity, .concentration)
            }
        }
        for (i, w) in (withdrawals ?? []).enumerated() {
            if let n = w.name, !flowNames.insert(n).inserted { throw fail("withdrawals[\(i)].name", .duplicateName(n)) }
            try checkFlow("withdrawals[\(i)]", w)
        }
        if let evaporation { try checkFlow("evaporation", evaporation) }
    }

    /// Kinds of the variables the built-in models read.
    static let builtInKinds: [String: UnitConversion.Kind] = [
        "biomass": .concentration, "substrate": .concentration, "product": .concentration, "titre": .concentration,
        "volume": .volume, "temperature": .temperature, "pH": .pH, "dissolved_oxygen": .dissolvedOxygen,
    ]
}
