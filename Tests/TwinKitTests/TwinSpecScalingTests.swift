import Foundation
import Testing

@testable import TwinKit

/// A spec's consortium scaling (`scaling`, written by `fedtwin twin scale`): used by the
/// component in place of a local one, and refused with its key path when it is malformed.
@Suite("Spec consortium scaling")
struct TwinSpecScalingTests {
    static func spec() throws -> TwinSpec {
        try TwinSpec.load(TwinSpecTests.specsDirectory.appendingPathComponent("penicillin.json")).spec
    }

    static func scaling(_ spec: TwinSpec) -> FeatureScaling {
        let names = spec.scalingFeatureNames
        return FeatureScaling(names: ["unused"] + names.reversed(), mean: [9] + names.indices.map { Double($0) + 0.5 },
                              std: [9] + names.indices.map { Double($0) + 2 })
    }

    @Test("the component takes the spec's scaling, restricted to and ordered as its features, over any local one")
    func used() throws {
        var spec = try Self.spec()
        let given = Self.scaling(spec)
        spec.scaling = given
        try spec.validate(file: "test")
        let component = try SpecHybridComponent(spec: spec, specHash: "h")
        let s = try #require(component.scaling)
        #expect(s.names == spec.scalingFeatureNames)
        for (i, name) in s.names.enumerated() {
            let j = try #require(given.index(of: name))
            #expect(s.mean[i] == given.mean[j] && s.std[i] == given.std[j])
        }
        // It round-trips through the file format (the hash then covers it).
        let data = try JSONEncoder().encode(spec)
        #expect(try TwinSpec.decode(data, file: "test") == spec)
        // Without one, the component has none (and scales by the data it is given).
        #expect(try SpecHybridComponent(spec: try Self.spec(), specHash: "h").scaling == nil)
    }

    @Test("a malformed scaling is refused with its key path", arguments: [
        ("short mean", "scaling.mean"), ("duplicate", "scaling.names[1]"), ("nan mean", "scaling.mean[0]"),
        ("zero std", "scaling.std[0]"), ("missing feature", "scaling.names"),
    ])
    func refused(_ kind: String, _ keyPath: String) throws {
        var spec = try Self.spec()
        let names = spec.scalingFeatureNames
        var s = FeatureScaling(names: names, mean: names.map { _ in 0 }, std: names.map { _ in 1 })
        switch kind {
        case "short mean": s.mean.removeLast()
        case "duplicate": s.names[1] = s.names[0]
        case "nan mean": s.mean[0] = .nan
        case "zero std": s.std[0] = 0
        default: s.names.removeLast(); s.mean.removeLast(); s.std.removeLast()
        }
        spec.scaling = s
        #expect {
            try spec.validate(file: "f.json")
        } throws: { error in
            (error as? TwinSpecError)?.keyPath == keyPath
        }
    }
}
