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
    }
}
