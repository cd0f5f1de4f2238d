import Foundation
import Testing
@testable import TwinKit

@Suite("Neural network")
struct NeuralNetTests {
    /// Loss used for gradient checks: L = Σ c_k · out_k with fixed, non-trivial c.
    static func loss(_ mlp: MLP, _ x: [Double], _ c: [Double]) -> Double {
        zip(mlp.forward(x), c).reduce(0) { $0 + $1.0 * $1.1 }
    }

    @Test("backprop matches central finite differences", arguments: Activation.allCases)
    func gradientCheck(hidden: Activation) {
        let mlp = MLP(layerSizes: [3, 5, 4, 2], hidden: hidden, output: hidden == .linear ? .sigmoid : .linear, seed: 11)
        let x = [0.3, -0.7, 1.1]
        let c = [0.8, -1.3]
        var grad = [Double](repeating: 0, count: mlp.parameterCount)
        let inputGrad = mlp.backward(mlp.trace(x), outputGradient: c, parameterGradient: &grad)
        let h = 1e-6
        for i in 0..<mlp.parameterCount {
            var plus = mlp
            var minus = mlp
            plus.parameters[i] += h
            minus.parameters[i] -= h
            let numeric = (Self.loss(plus, x, c) - Self.loss(minus, x, c)) / (2 * h)
            #expect(abs(numeric - grad[i]) < 1e-7 * max(1, abs(numeric)), "parameter \(i)")
        }
        for j in 0..<x.count {
            var xp = x
            var xm = x
            xp[j] += h
            xm[j] -= h
            let numeric = (Self.loss(mlp, xp, c) - Self.loss(mlp, xm, c)) / (2 * h)
            #expect(abs(numeric - inputGrad[j]) < 1e-7 * max(1, abs(numeric)), "input \(j)")
        }
    }

    @Test("initialisation is deterministic in the seed and exposes a named schema")
    func initialisation() throws {
        let a = MLP(layerSizes: [4, 8, 3], seed: 5)
        let b = MLP(layerSizes: [4, 8, 3], seed: 5)
        let c = MLP(layerSizes: [4, 8, 3], seed: 6)
        #expect(a == b)
        #expect(a.parameters != c.parameters)
        let set = a.parameterSet()
        #expect(set.schema.names == ["layer0.weight", "layer0.bias", "layer1.weight", "layer1.bias"])
        #expect(set["layer0.weight"]?.shape == [8, 4])
        var d = c
        try d.load(set)
        #expect(d == a)
        // Glorot bound for the first layer: sqrt(6 / (4 + 8)).
        let limit = (6.0 / 12.0).squareRoot()
        #expect(set["layer0.weight"]!.values.allSatisfy { abs($0) <= limit })
        #expect(set["layer0.bias"]!.values.allSatisfy { $0 == 0 })
    }

    @Test("Adam converges on an ill-conditioned convex quadratic")
    func adamQuadratic() {
        let scales = [1.0, 10.0, 100.0, 0.1]
        let target = [1.0, -2.0, 0.5, 3.0]
        var x = [Double](repeating: 0, count: 4)
        var adam = AdamOptimizer(parameterCount: 4, learningRate: 0.05)
        for _ in 0..<3_000 {
            let g = (0..<4).map { 2 * scales[$0] * (x[$0] - target[$0]) }
            adam.update(&x, gradient: g)
        }
        for i in 0..<4 { #expect(abs(x[i] - target[i]) < 1e-3, "coordinate \(i): \(x[i])") }
    }

    @Test("regression training fits a smooth function and is deterministic given seeds")
    func trainingDeterministic() {
        var rng = Xoshiro256StarStar(seed: 1)
        var inputs: [[Double]] = []
        var targets: [[Double]] = []
        for _ in 0..<128 {
            let x = rng.nextUniform(in: -1, 1)
            let y = rng.nextUniform(in: -1, 1)
            inputs.append([x, y])
            // Second output is unobserved for half of the samples (masked).
            targets.append([sin(2 * x) + y * y, x > 0 ? x * y : .nan])
        }
        let trainer = RegressionTrainer(epochs: 60, batchSize: 16, learningRate: 0.02, seed: 3)
        var m1 = MLP(layerSizes: [2, 12, 2], seed: 2)
        var m2 = MLP(layerSizes: [2, 12, 2], seed: 2)
        let before = RegressionTrainer.loss(m1, inputs: inputs, targets: targets)
        let h1 = trainer.fit(&m1, inputs: inputs, targets: targets)
        let h2 = trainer.fit(&m2, inputs: inputs, targets: targets)
        #expect(m1 == m2)
        #expect(h1 == h2)
        #expect(h1.last! < 0.1 * before)
        var m3 = MLP(layerSizes: [2, 12, 2], seed: 2)
        RegressionTrainer(epochs: 60, batchSize: 16, learningRate: 0.02, seed: 4).fit(&m3, inputs: inputs, targets: targets)
        #expect(m3 != m1)
    }

    @Test("the proximal term keeps parameters near the anchor")
    func proximal() {
        let inputs = (0..<32).map { [Double($0) / 32] }
        let targets = inputs.map { [5 * $0[0] + 2] }
        let start = MLP(layerSizes: [1, 4, 1], seed: 8)
        var free = start
        var anchored = start
        RegressionTrainer(epochs: 40, batchSize: 8, learningRate: 0.02, seed: 1).fit(&free, inputs: inputs, targets: targets)
        RegressionTrainer(epochs: 40, batchSize: 8, learningRate: 0.02, seed: 1, proximalMu: 50).fit(&anchored, inputs: inputs, targets: targets)
        func distance(_ m: MLP) -> Double {
            zip(m.parameters, start.parameters).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        }
        #expect(distance(anchored) < 0.5 * distance(free))
    }

    @Test("decoupled weight decay shrinks data-free weights geometrically instead of at Adam's full step")
    func decoupledDecay() {
        // Inputs are all zero, so the weight sees no data gradient; only the bias learns.
        let inputs = [[Double]](repeating: [0], count: 8)
        let targets = [[Double]](repeating: [1], count: 8)
        let start = MLP(layerSizes: [1, 1], hidden: .linear, output: .linear, seed: 3)
        var decoupled = start
        var coupled = start
        var t = RegressionTrainer(epochs: 10, batchSize: 8, learningRate: 0.01, seed: 1, weightDecay: 0.5)
        t.decoupledWeightDecay = true
        t.fit(&decoupled, inputs: inputs, targets: targets)
        let w0 = start.parameters[0]
        #expect(abs(decoupled.parameters[0] - w0 * pow(1 - 0.01 * 0.5, 10)) < 1e-12)
        t.decoupledWeightDecay = false
        t.fit(&coupled, inputs: inputs, targets: targets)
        // Adam normalises the L2 gradient: the weight moves ≈ lr per step towards zero.
        #expect(abs(abs(w0 - coupled.parameters[0]) - 0.1) < 0.02)
    }
}
