import FedTwinWire
import Foundation
import Testing
@testable import TwinKit

@Suite("Component spec")
struct TwinSpecTests {
    static let specsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("sites/specs")
    static var penicillinURL: URL { specsDirectory.appendingPathComponent("penicillin.json") }
    static var choURL: URL { specsDirectory.appendingPathComponent("cho.json") }

    static func penicillin() throws -> TwinSpec { try TwinSpec.load(penicillinURL).spec }

    /// The error `validate` throws for a modified penicillin spec.
    static func refusal(_ change: (inout TwinSpec) -> Void) throws -> TwinSpecError? {
        var spec = try penicillin()
        change(&spec)
        do {
            try spec.validate(file: "test.json")
            return nil
        } catch let error as TwinSpecError {
            return error
        }
    }

    /// The error `load` throws for the penicillin spec's text with `from` replaced by `to`.
    static func textRefusal(_ from: String, _ to: String) throws -> TwinSpecError? {
        let text = try String(contentsOf: penicillinURL, encoding: .utf8)
        #expect(text.contains(from), "fixture text '\(from)' not in the spec")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("spec-\(UUID().uuidString).json")
        try text.replacingOccurrences(of: from, with: to).write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try TwinSpec.load(url)
            return nil
        } catch let error as TwinSpecError {
            #expect(error.file == url.path)
            return error
        }
    }

    @Test("both shipped specs load and validate; the hash is the SHA-256 of the file's bytes")
    func shippedSpecs() throws {
        for (url, id) in [(Self.penicillinURL, "hybrid-penicillin"), (Self.choURL, "hybrid-cho")] {
            let (spec, hash) = try TwinSpec.load(url)
            #expect(spec.id == id)
            #expect(hash == SHA256.hex(try Data(contentsOf: url)))
            #expect(hash.count == 64)
        }
        let cho = try TwinSpec.load(Self.choURL).spec
        #expect(cho.states.map(\.name) == ["viable-cells", "glucose", "glutamine", "lactate", "ammonia", "titre", "volume"])
        #expect(cho.networkRates == ["growth", "lactate-uptake", "productivity"])
        #expect(try Self.penicillin().networkRates == ["growth", "production"])
        #expect(try Self.penicillin().recordedVariables == ["temperature", "pH"])
    }

    @Test("decoding refusals name the key path: unknown key, repeated key, wrong type, unknown enum, format")
    func decodingRefusals() throws {
        let unknown = try #require(try Self.textRefusal("\"saturation\": \"K_x\"", "\"saturaton\": \"K_x\""))
        #expect(unknown.keyPath == "rates[0].law.factors[0].saturaton")
        #expect(unknown.reason.contains("unknown key"))
        let repeated = try #require(try Self.textRefusal("\"cells\": \"biomass\",", "\"cells\": \"biomass\", \"cells\": \"product\","))
        #expect(repeated.keyPath == "cells")
        let type = try #require(try Self.textRefusal("\"initial\": 0.092", "\"initial\": \"fast\""))
        #expect(type.keyPath == "parameters[0].initial")
        let kind = try #require(try Self.textRefusal("\"type\": \"haldane\"", "\"type\": \"andrews\""))
        #expect(kind.keyPath == "rates[1].law.factors[0].type")
        let format = try #require(try Self.textRefusal("fedtwin-component-spec/1", "fedtwin-component-spec/9"))
        #expect(format.keyPath == "format")
        #expect(format.reason.contains("unknown format"))
        let missing = try #require(try Self.textRefusal("\"cells\": \"biomass\",", ""))
        #expect(missing.keyPath == "cells")
        #expect(missing.reason == "missing")
    }

    @Test("every validation refusal names its key path")
    func validationRefusals() throws {
        let cases: [(String, (inout TwinSpec) -> Void)] = [
            ("states[1].name", { $0.states[1].name = "biomass" }),
            ("parameters[1].name", { $0.parameters[1].name = "mu_max" }),
            ("rates[1].name", { $0.rates[1].name = "growth" }),
            ("groups[1].name", { $0.groups[1].name = "kinetics" }),
            ("cells", { $0.cells = "cells" }),
            ("cells", { $0.cells = "volume" }),
            ("volume", { $0.volume = "product" }),
            ("states[3].kind", { $0.states[2].kind = .volume }),
            ("rates[0].law.factors[0].per", { $0.rates[0].law!.factors[0].per = "oxygen" }),
            ("rates[0].law.factors[0].saturation", { $0.rates[0].law!.factors[0].saturation = "K_s" }),
            ("rates[0].law.factors[0].saturation", { $0.rates[0].law!.factors[0].saturation = nil }),
            ("rates[0].law.factors[1].saturation", { $0.rates[0].law!.factors[1].saturation = "K_x" }),
            ("rates[2].law.factors[0].per", { $0.rates[2].law!.factors[0].per = "biomass" }),
            ("rates[2].law.factors[0].variable", { $0.rates[2].law!.factors[0].variable = nil }),
            ("rates[1].law.factors[0].inhibition", { $0.rates[1].law!.factors[0].inhibition = "K_inhibit" }),
            ("rates[0].law.maximum", { $0.rates[0].law!.maximum = "mu" }),
            ("balances[1].terms[0].rate", { $0.balances[1].terms[0].rate = "uptake" }),
            ("balances[1].terms[0].yield", { $0.balances[1].terms[0].yield = "Y_x" }),
            ("balances[2].terms[1].times", { $0.balances[2].terms[1].times = "penicillin" }),
            ("parameters[0].group", { $0.parameters[0].group = "growth" }),
            ("network.group", { $0.network.group = "net" }),
            ("parameters[2].min", { $0.parameters[2].min = 0 }),
            ("parameters[2].min", { $0.parameters[2].min = -1 }),
            ("parameters[2].max", { $0.parameters[2].max = $0.parameters[2].min / 2 }),
            ("parameters[2].initial", { $0.parameters[2].initial = $0.parameters[2].max * 2 }),
            ("rates[0].correction.max", { $0.rates[0].correction = CorrectionSpec(min: 2, max: 2) }),
            ("rates[0].correction.min", { $0.rates[0].correction = CorrectionSpec(min: 0, max: 2) }),
            ("rates[0]", { $0.rates[0].learned = LearnedRateSpec(max: 0.2) }),
            ("rates[0]", { $0.rates[0].law = nil }),
            ("rates[3].correction", { $0.rates[3] = RateSpec(name: "hydrolysis", correction: CorrectionSpec(min: 0.1, max: 10), learned: LearnedRateSpec(max: 1)) }),
            ("rates[3].learned.max", { $0.rates[3] = RateSpec(name: "hydrolysis", learned: LearnedRateSpec(max: 0)) }),
            ("balances[0].state", { $0.balances[0].state = "oxygen" }),
            ("balances[0].state", { $0.balances[0].state = "volume" }),
            ("balances[2].state", { $0.balances[2].state = "biomass" }),
            ("states[2]", { $0.balances.remove(at: 2) }),
            ("network.inputs[0].variable", { $0.network.inputs[0].variable = nil }),
            ("network.inputs[0].variable", { $0.network.inputs[0].variable = "oxygen" }),
            ("network.inputs[3].variable", { $0.network.inputs[3].variable = nil }),
            ("network.inputs[3].variable", { $0.network.inputs[3].variable = "biomass" }),
            ("network.inputs[0].variable", { $0.network.inputs[0] = NetworkInputSpec(source: .time, variable: "biomass") }),
            ("network.inputs[1].transform", { $0.network.inputs[1].transform = "sqrt" }),
            ("network.inputs[1]", { $0.network.inputs[1] = $0.network.inputs[0] }),
            ("network.inputs", { $0.network.inputs = [] }),
            ("network.hidden[0]", { $0.network.hidden = [0] }),
            ("network.hidden[1]", { $0.network.hidden = [4, -1] }),
            ("network.activation", { $0.network.activation = "relu" }),
            ("evaporation.parameter", { $0.evaporation = EvaporationSpec(source: .law, parameter: nil) }),
            ("evaporation.parameter", { $0.evaporation = EvaporationSpec(source: .law, parameter: "E") }),
            ("evaporation.parameter", { $0.evaporation = EvaporationSpec(source: .none, parameter: "evaporation") }),
            ("observations[0].state", { $0.observations[0].state = "penicillin" }),
            ("observations[1].state", { $0.observations[1].state = "biomass" }),
            ("observations[0].weight", { $0.observations[0].weight = 0 }),
            ("observations", { $0.observations = [] }),
            ("groups[0].strength", { $0.groups[0].strength = 1 }),
            ("training.priorStrength", { $0.training?.priorStrength = -1 }),
            ("training.maxStep", { $0.training?.maxStep = 0 }),
            ("id", { $0.id = " " }),
        ]
        for (path, change) in cases {
            let error = try Self.refusal(change)
            #expect(error?.keyPath == path, "expected a refusal at '\(path)', got \(error.map(String.init(describing:)) ?? "none")")
            #expect(error?.file == "test.json")
            #expect(!(error?.reason.isEmpty ?? true))
        }
    }

    @Test("an empty hidden-layer list is allowed (a linear network), and a spec with no network outputs needs no inputs")
    func allowedShapes() throws {
        #expect(try Self.refusal { $0.network.hidden = [] } == nil)
        #expect(try Self.refusal { spec in
            for i in spec.rates.indices { spec.rates[i].correction = nil }
            spec.network.inputs = []
        } == nil)
    }
}
