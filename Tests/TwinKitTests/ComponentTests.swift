import Foundation
import Testing
@testable import TwinKit

@Suite("Twin components")
struct ComponentTests {
    @Test("catalog builds every component with a consistent schema and aggregation kind")
    func catalog() throws {
        for id in TwinComponentCatalog.ids {
            let c = try #require(TwinComponentCatalog.make(id))
            #expect(c.id == id)
            let p = c.initialParameters(seed: 1)
            #expect(p.schema == c.schema)
            #expect(c.aggregation == (id == "mspc-monitor" ? .sum : .weightedMean))
            // Deterministic initial parameters.
            #expect(c.initialParameters(seed: 1) == p)
        }
        #expect(TwinComponentCatalog.make("nope") == nil)
        #expect(MLP.schema(layerSizes: HybridRateModel.layerSizes).names.first == "layer0.weight")
    }

    @Test("titre regressor learns final titre from early features; FedAvg of two sites is a valid model")
    func titreRegressor() throws {
        var profile = HybridTests.site(noiseFree: false, batches: 16, seed: 31)
        profile.operating.feedRate = ValueRange(0.03, 0.07)
        let records = profile.simulate().map(\.record)
        let component = TitreRegressionComponent(features: TitreFeatures(horizon: 30), titreScale: 0.3)
        let train = Array(records[0..<12]), test = Array(records[12...])
        let config = TrainingConfig(epochs: 300, batchSize: 4, learningRate: 0.01, seed: 3)
        let start = component.initialParameters(seed: 2)
        let r = try component.train(from: start, on: train, config: config)
        #expect(r.samples == 12)
        #expect(r.metrics["train_loss"]! < 0.2 * r.metrics["train_loss_initial"]!)
        let trained = try component.evaluate(r.parameters, on: test)["final_titre_rmse"]!
        let untrained = try component.evaluate(start, on: test)["final_titre_rmse"]!
        #expect(trained < 0.5 * untrained)
        // Two sites' updates averaged by sample count still load and evaluate.
        let a = try component.train(from: start, on: Array(train[0..<6]), config: config)
        let b = try component.train(from: start, on: Array(train[6...]), config: config)
        let avg = try ParameterSet.weightedMean([(a.parameters, Double(a.samples)), (b.parameters, Double(b.samples))])
        #expect(try component.evaluate(avg, on: test)["final_titre_rmse"]!.isFinite)
    }
}
