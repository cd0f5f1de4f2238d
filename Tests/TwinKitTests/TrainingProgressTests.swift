import Synchronization
import Testing
@testable import TwinKit

/// The trainers' progress hook: each epoch, in order, to the reporter bound around the
/// training, and to no other.
struct TrainingProgressTests {
    final class Heard: Sendable {
        let items = Mutex<[TrainingProgress]>([])
        func add(_ p: TrainingProgress) { items.withLock { $0.append(p) } }
        var all: [TrainingProgress] { items.withLock { $0 } }
    }

    static func data(_ n: Int) -> (inputs: [[Double]], targets: [[Double]]) {
        let inputs = (0..<n).map { i in [Double(i) / Double(n), 1 - Double(i) / Double(n)] }
        return (inputs, inputs.map { [2 * $0[0] - $0[1]] })
    }

    @Test func fitReportsEveryEpochInOrderWithItsLoss() {
        let heard = Heard()
        let (inputs, targets) = Self.data(12)
        var model = MLP(layerSizes: [2, 4, 1], seed: 1)
        let history = TrainingProgress.withReporter({ heard.add($0) }) {
            RegressionTrainer(epochs: 5, batchSize: 4, learningRate: 0.01, seed: 2).fit(&model, inputs: inputs, targets: targets)
        }
        #expect(heard.all.map(\.epoch) == [1, 2, 3, 4, 5])
        #expect(heard.all.allSatisfy { $0.epochs == 5 })
        #expect(heard.all.map(\.loss) == history.map { Optional($0) })
        #expect(heard.all.map(\.isLast) == [false, false, false, false, true])
    }

    @Test func theCustomLossFitReportsToo() {
        let heard = Heard()
        let (inputs, targets) = Self.data(6)
        var model = MLP(layerSizes: [2, 3, 1], seed: 1)
        let history = TrainingProgress.withReporter({ heard.add($0) }) {
            RegressionTrainer(epochs: 3, batchSize: 2, seed: 2).fit(&model, inputs: inputs) { i, out in
                let d = out[0] - targets[i][0]
                return (d * d, [2 * d])
            }
        }
        #expect(heard.all.map(\.epoch) == [1, 2, 3] && heard.all.map(\.loss) == history.map { Optional($0) })
    }

    @Test func aComponentsTrainingReachesTheReporterThroughItsConfig() throws {
        let heard = Heard()
        let component = TitreRegressionComponent(features: TitreFeatures(horizon: 30), titreScale: 0.3)
        let records = HybridTests.site(noiseFree: false, batches: 4, seed: 31).simulate().map(\.record)
        _ = try TrainingProgress.withReporter({ heard.add($0) }) {
            try component.train(from: component.initialParameters(seed: 1), on: records, config: TrainingConfig(epochs: 3, batchSize: 8, seed: 1))
        }
        #expect(heard.all.map(\.epoch) == [1, 2, 3])
    }

    @Test func theTrajectoryFitterReportsItsEpochsToo() throws {
        let heard = Heard()
        let result = try TrainingProgress.withReporter({ heard.add($0) }) {
            try TrajectoryFitterTests.fitter.fit(problems: try TrajectoryFitterTests.problems(), initial: TrajectoryFitterTests.truth,
                                                 options: .init(epochs: 2, batchSize: 2, seed: 3))
        }
        #expect(heard.all.map(\.epoch) == [1, 2] && heard.all.allSatisfy { $0.epochs == 2 })
        #expect(heard.all.map(\.loss) == result.lossHistory.map { Optional($0) })
    }

    @Test func concurrentTrainingsEachHearOnlyTheirOwn() async {
        let (inputs, targets) = Self.data(8)
        let counts = await withTaskGroup(of: (Int, [Int]).self) { group in
            for epochs in [2, 3, 4] {
                group.addTask {
                    let heard = Heard()
                    var model = MLP(layerSizes: [2, 3, 1], seed: 1)
                    TrainingProgress.withReporter({ heard.add($0) }) {
                        _ = RegressionTrainer(epochs: epochs, batchSize: 4, seed: 2).fit(&model, inputs: inputs, targets: targets)
                    }
                    return (epochs, heard.all.map(\.epoch))
                }
            }
            var all: [Int: [Int]] = [:]
            for await (epochs, heard) in group { all[epochs] = heard }
            return all
        }
        #expect(counts == [2: [1, 2], 3: [1, 2, 3], 4: [1, 2, 3, 4]])
        // Outside any binding nobody hears anything (and nothing fails).
        var model = MLP(layerSizes: [2, 3, 1], seed: 1)
        #expect(TrainingProgress.reporter == nil)
        #expect(RegressionTrainer(epochs: 2, seed: 2).fit(&model, inputs: inputs, targets: targets).count == 2)
    }

    @Test func theLineATerminalShows() {
        #expect(TrainingProgress(epoch: 3, epochs: 50, loss: 0.0123456).description == "epoch 3/50 · loss 0.01235")
        #expect(TrainingProgress(epoch: 50, epochs: 50, loss: nil).description == "epoch 50/50")
    }
}
