import FedTwinAggregation
import FedTwinWire
import Testing

/// Arithmetic on numbers that come from sites cannot trap or become infinite (issue 10,
/// rule 1): a sample sum that does not fit, and a result beyond binary32, are refused.
@Suite("Aggregation cannot overflow")
struct OverflowTests {
    let schema = ParameterSchema(tensors: [TensorSpec(name: "w", dtype: .f32, shape: [2])])

    @Test("sample counts summing past Int.max throw instead of trapping, and leave the aggregator as it was")
    func sampleSumOverflow() throws {
        let component = ComponentSpec(id: "t", schema: schema, aggregation: .mean)
        var aggregator = try StreamingAggregator(component: component, strategy: FedAvg(),
                                                 base: ModelState(parameters: [Tensor(name: "w", shape: [2], floats: [0, 0])]))
        try aggregator.add([Tensor(name: "w", shape: [2], floats: [1, 1])], samples: Int.max)
        #expect(throws: StrategyError.self) { try aggregator.add([Tensor(name: "w", shape: [2], floats: [1, 1])], samples: 1) }
        #expect(aggregator.totalSamples == Int.max && aggregator.contributions == 1)
        #expect(try aggregator.finish().parameters[0].values == .f32([1, 1]))
    }

    @Test("a sum of statistics beyond the binary32 range is refused, not committed as +inf")
    func sumBeyondFloatRange() throws {
        let component = ComponentSpec(id: "t", schema: schema, aggregation: .sum)
        var aggregator = try StreamingAggregator(component: component, strategy: FedAvg(),
                                                 base: ModelState(parameters: [Tensor(name: "w", shape: [2], floats: [0, 0])]))
        for _ in 0..<2 { try aggregator.add([Tensor(name: "w", shape: [2], floats: [Float.greatestFiniteMagnitude, 1])], samples: 1) }
        let error = #expect(throws: StrategyError.self) { try aggregator.finish() }
        #expect(error?.detail.contains("not finite") == true)
    }
}
