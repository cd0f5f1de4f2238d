import Foundation

/// Open-loop evaluation on held-out batches, with the untrained spec as baseline.
extension SpecHybridComponent {
    /// Metric key of a state's RMSE: the keys the built-in hybrid uses for biomass,
    /// substrate and product (`rmse_X`, `rmse_S`, `rmse_P`), `rmse_<state>` otherwise.
    public static func rmseKey(_ state: String) -> String {
        switch state {
        case "biomass": return "rmse_X"
        case "substrate": return "rmse_S"
        case "product": return "rmse_P"
        default: return "rmse_" + state
        }
    }

    /// The state a final titre is read from: `product` or `titre`, if the spec has one.
    public var titreState: String? { spec.states.first { $0.name == "product" || $0.name == "titre" }?.name }

    /// Simulated states at every row of each record, from its first row with its logged
    /// inputs (following a volume the record marks as a recorded input).
    public func simulate(_ parameters: ParameterSet, _ records: [BatchRecord], scaling: FeatureScaling? = nil) throws -> [[[Double]]] {
        let scaling = try scaling ?? effectiveScaling(records)
        let model = try self.model(scaling: scaling)
        let θ = projected(try theta(parameters))
        let fitter = self.fitter(model)
        let problems = try self.problems(model, records, scaling: scaling)
        return try problems.enumerated().map { b, p in try fitter.simulate(p, parameters: θ, batch: b) }
    }

    /// RMSE per observed state over every assay after the first row, pooled across batches,
    /// and the final-titre error (last simulated row against the last titre assay).
    public func metrics(simulated: [[[Double]]], records: [BatchRecord], prefix: String = "") -> [String: Double] {
        var out: [String: Double] = [:]
        let names = spec.states.map(\.name)
        for o in spec.observations {
            guard let s = names.firstIndex(of: o.state) else { continue }
            var se = 0.0, n = 0.0
            for (record, sim) in zip(records, simulated) {
                guard let series = SpecModel.series(record, o.variable ?? o.state) else { continue }
                for i in 1..<record.rowCount { if let v = series[i] { se += (sim[i][s] - v) * (sim[i][s] - v); n += 1 } }
            }
            out[prefix + Self.rmseKey(o.state)] = n > 0 ? (se / n).squareRoot() : .nan
        }
        if let titre = titreState, let s = names.firstIndex(of: titre) {
            var sq = 0.0, sum = 0.0, n = 0.0
            let variable = spec.observations.first { $0.state == titre }?.variable ?? titre
            for (record, sim) in zip(records, simulated) {
                guard let series = SpecModel.series(record, variable),
                      let last = series.lastIndex(where: { $0 != nil }), last > 0 else { continue }
                let e = sim[sim.count - 1][s] - series[last]!
                sq += e * e; sum += e; n += 1
            }
            out[prefix + "final_titre_rmse"] = n > 0 ? (sq / n).squareRoot() : .nan
            out[prefix + "final_titre_bias"] = n > 0 ? sum / n : .nan
            out[prefix + "titre_rmse"] = out[prefix + "final_titre_rmse"]
        }
        out[prefix + "batches"] = Double(records.count)
        return out
    }

    /// Metrics of `parameters` on `heldOut`, the fraction of held-out network inputs far
    /// outside the scaling (`inputs_out_of_scaling`) and, prefixed `nominal_`, the metrics of
    /// the spec's initial values with an untrained network (what training bought).
    public func evaluate(_ parameters: ParameterSet, on heldOut: [BatchRecord]) throws -> [String: Double] {
        guard !heldOut.isEmpty else { throw BatchDataError(batchID: "<none>", what: "no held-out batches to evaluate on") }
        let scaling = try effectiveScaling(heldOut)
        var out = metrics(simulated: try simulate(parameters, heldOut, scaling: scaling), records: heldOut)
        // Held-out inputs far outside the scaling (an operating range the training never saw).
        out["inputs_out_of_scaling"] = try outOfScaling(heldOut, scaling).fraction
        let nominal = initialParameters(seed: 0)
        if let baseline = try? simulate(nominal, heldOut, scaling: scaling) {
            out.merge(metrics(simulated: baseline, records: heldOut, prefix: "nominal_")) { a, _ in a }
        }
        return out
    }
}
