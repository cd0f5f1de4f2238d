// Release-mode figures for TrajectoryFitter on the Monod fed-batch test model
// (compiled by scripts/bench-fit.sh together with Sources/TwinKit/Fitting and the model and
// scenario cut from Tests/TwinKitTests/TrajectoryFitterTests.swift).
import Foundation

@main struct BenchFit {
    static func median(_ repeats: Int, _ body: () throws -> Void) rethrows -> Double {
        var times: [Double] = []
        for _ in 0..<repeats {
            let t0 = Date()
            try body()
            times.append(Date().timeIntervalSince(t0))
        }
        return times.sorted()[repeats / 2]
    }

    static func main() throws {
        let f = TrajectoryFitterTests.fitter
        let p = try TrajectoryFitterTests.problems()
        let θ = TrajectoryFitterTests.offTruth
        let n = 2000
        var sink = 0.0
        let loss = try median(5) { for _ in 0..<n { sink += try f.loss(p[0], parameters: θ) } } / Double(n)
        let grad = try median(5) { for _ in 0..<n { sink += try f.lossAndGradient(p[0], parameters: θ).gradient[0] } } / Double(n)
        let start = zip(TrajectoryFitterTests.truth, [1.0, 1.0, -1.0, 1.0]).map { $0 + $1 * log(3) }
        var result: TrajectoryFitResult?
        let fit = try median(5) {
            result = try f.fit(problems: p, initial: start, options: .init(epochs: 300, batchSize: 3, learningRate: 0.05,
                                                                            finalLearningRateFraction: 0.05, seed: 1))
        }
        let steps = (1..<p[0].times.count).reduce(0) { total, i in
            total + max(1, Int(((p[0].times[i] - p[0].times[i - 1]) / f.maxStep).rounded(.up)))
        }
        print(String(format: "one batch (%d rows, %d RK4 steps, 3 states, 4 parameters): loss %.1f µs, loss + gradient %.1f µs (%.2f× the loss)",
                     p[0].times.count, steps, loss * 1e6, grad * 1e6, grad / loss))
        print(String(format: "recovery fit (3 batches, 300 epochs): %.3f s, final loss %.2e", fit, result?.finalLoss ?? .nan))
        if sink.isNaN { print("") }
    }
}
