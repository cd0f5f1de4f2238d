import Foundation
import Testing
@testable import TwinKit

/// The network-only baseline derived from a spec (`fedtwin experiment --component-spec`).
@Suite("Derived network-only spec")
struct TwinSpecNetworkOnlyTests {
    @Test("both shipped specs: the derived baseline is valid, every rate learned, only balance parameters kept", arguments: ["penicillin.json", "cho.json"])
    func derived(_ file: String) throws {
        let (spec, _) = try TwinSpec.load(TwinSpecTests.specsDirectory.appendingPathComponent(file))
        let baseline = spec.networkOnlyBaseline()
        try baseline.validate(file: "derived from \(file)")
        #expect(baseline.rates.count == spec.rates.count)
        #expect(baseline.rates.allSatisfy { $0.law == nil && $0.correction == nil && ($0.learned?.max ?? 0) > 0 })
        #expect(baseline.states == spec.states && baseline.balances == spec.balances && baseline.observations == spec.observations)
        #expect(baseline.network.inputs == spec.network.inputs && baseline.network.hidden == spec.network.hidden)
        // Fitted to interval rates only, whatever the spec says (trajectory fitting diverged).
        #expect(baseline.training?.method == .rates)
        #expect(baseline.training?.learningRate == spec.training?.learningRate)
        // No law parameter survives: every kept parameter is one a balance or evaporation uses.
        var needed = Set(spec.balances.flatMap { $0.terms.flatMap { [$0.parameter, $0.yield].compactMap { $0 } } })
        if let p = spec.evaporation?.parameter { needed.insert(p) }
        #expect(Set(baseline.parameters.map(\.name)) == needed.intersection(spec.parameters.map(\.name)))
        let lawParameters = Set(spec.rates.compactMap(\.law).flatMap { [$0.maximum] + $0.factors.flatMap { [$0.saturation, $0.inhibition].compactMap { $0 } } })
        #expect(lawParameters.subtracting(needed).isDisjoint(with: baseline.parameters.map(\.name)))
        // Each learned bound is the widest the law could reach: at least the maximum parameter's upper bound.
        for (r, d) in zip(spec.rates, baseline.rates) {
            guard let law = r.law, let p = spec.parameters.first(where: { $0.name == law.maximum }) else { continue }
            #expect(d.learned!.max >= p.max * (r.correction?.max ?? 1) * (1 - 1e-12), "\(r.name)")
        }
        // A component builds from it and the rates all come from the network.
        let component = try SpecHybridComponent(spec: baseline, specHash: "derived")
        #expect(component.schema.tensors.contains { $0.name.hasPrefix("net.") })
        // The untrained network starts every rate at the law's nominal maximum (not at half
        // its far wider bound): max · sigmoid(output bias) = initial.
        let model = try component.model(scaling: FeatureScaling(names: component.scalingFeatureNames,
                                                                  mean: component.scalingFeatureNames.map { _ in 0 },
                                                                  std: component.scalingFeatureNames.map { _ in 1 }))
        let network = model.initialNetworkParameters(seed: 3)
        let biases = Array(network.suffix(baseline.networkRates.count))
        for (k, name) in baseline.networkRates.enumerated() {
            let learned = try #require(baseline.rates.first { $0.name == name }?.learned)
            let start = try #require(learned.initial, "\(name)")
            let law = try #require(spec.rates.first { $0.name == name }?.law)
            #expect(start == min(spec.parameters.first { $0.name == law.maximum }!.initial, learned.max / 2), "\(name)")
            #expect(abs(learned.max / (1 + Foundation.exp(-biases[k])) - start) <= 1e-9 * learned.max, "\(name)")
        }
    }

    @Test("a learned rate's initial must lie in (0, max)")
    func initialValidated() throws {
        var spec = try TwinSpec.load(TwinSpecTests.specsDirectory.appendingPathComponent("cho.json")).spec.networkOnlyBaseline()
        spec.rates[0].learned!.initial = spec.rates[0].learned!.max
        let error = #expect(throws: TwinSpecError.self) { try spec.validate(file: "x") }
        #expect(error?.keyPath == "rates[0].learned.initial", "\(String(describing: error))")
    }
}
