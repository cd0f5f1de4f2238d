import Testing
@testable import TwinKit

@Suite("ParameterSet")
struct ParameterSetTests {
    let schema = ParameterSchema([
        TensorSpec(name: "w", shape: [2, 3]),
        TensorSpec(name: "b", shape: [2]),
    ])

    @Test("flatten and unflatten are inverse and keep schema order")
    func roundTrip() throws {
        let flat = (0..<8).map(Double.init)
        let set = try ParameterSet(schema: schema, flat: flat)
        #expect(set.flattened() == flat)
        #expect(set.schema == schema)
        #expect(try set.tensor(named: "b").values == [6, 7])
        #expect(set["w"]?.shape == [2, 3])
    }

    @Test("arithmetic is element-wise and checks schemas")
    func arithmetic() throws {
        let a = try ParameterSet(schema: schema, flat: (0..<8).map(Double.init))
        let b = try ParameterSet(schema: schema, flat: [Double](repeating: 1, count: 8))
        #expect(try a.adding(b).flattened() == (1...8).map(Double.init))
        #expect(try a.subtracting(b).flattened() == (-1..<7).map(Double.init))
        #expect(a.scaled(by: 2).flattened() == (0..<8).map { Double($0) * 2 })
        let mean = try ParameterSet.weightedMean([(a, 1), (b, 3)])
        #expect(mean.flattened()[4] == (4.0 + 3.0) / 4.0)
        let other = try ParameterSet([try NamedTensor(name: "w", shape: [6], values: [Double](repeating: 0, count: 6))])
        #expect(throws: ParameterSetError.self) { try a.adding(other) }
    }

    @Test("bad shapes, counts and duplicate names are rejected")
    func validation() {
        #expect(throws: ParameterSetError.self) { try NamedTensor(name: "x", shape: [2, 2], values: [1, 2, 3]) }
        #expect(throws: ParameterSetError.self) { try ParameterSet(schema: schema, flat: [1, 2]) }
        #expect(throws: ParameterSetError.duplicateName("x")) {
            let t = try NamedTensor(name: "x", shape: [1], values: [1])
            _ = try ParameterSet([t, t])
        }
    }

    @Test("parameter sets survive JSON coding unchanged")
    func codable() throws {
        let set = try ParameterSet(schema: schema, flat: [0.1, -2, 3e-9, 4, 5, 6, 7, 8])
        let data = try JSONEncoder().encode(set)
        #expect(try JSONDecoder().decode(ParameterSet.self, from: data) == set)
    }
}

import Foundation
