import Foundation

/// One finished epoch of a local training: what a long training reports so that a person at
/// a terminal sees it move (`fedtwin twin train`, `fedtwin-site`).
///
/// Trainers call `TrainingProgress.report` after each epoch; it reaches the reporter bound
/// with `TrainingProgress.withReporter(…) { … }` around the training, in that task or thread
/// only, and is a no-op when none is bound. A task-local rather than a field of
/// `TrainingConfig`: the config is data the coordinator sends (Codable, compared in tests),
/// and components pass it on to trainers in many ways; a task-local reaches every trainer
/// the training calls without a component knowing, and no global state is shared between
/// concurrent trainings.
public struct TrainingProgress: Sendable, Equatable, CustomStringConvertible {
    /// 1-based number of the epoch that has just ended.
    public var epoch: Int
    /// Epochs in this training run.
    public var epochs: Int
    /// The training loss after this epoch, when the trainer has one.
    public var loss: Double?

    public init(epoch: Int, epochs: Int, loss: Double?) {
        self.epoch = epoch
        self.epochs = epochs
        self.loss = loss
    }

    /// The task-local holds the closure inside a struct: with Swift 6.3.1 on Linux, binding a
    /// task-local whose type is itself an optional function crashes in optimised builds
    /// (swift_task_localValuePush, bad pointer), in a task and on a dispatch thread alike,
    /// while debug builds work — so the tests passed and the release-built site crashed
    /// when its first round's training began. A struct-typed task-local works in both.
    struct Binding: Sendable {
        let report: @Sendable (TrainingProgress) -> Void
    }

    @TaskLocal static var binding: Binding?

    /// Hears every epoch of the trainings run in its scope; nil = nobody listens.
    public static var reporter: (@Sendable (TrainingProgress) -> Void)? { binding?.report }

    /// Runs `operation` with `reporter` hearing every epoch its trainings report (nil: none).
    public static func withReporter<T>(_ reporter: (@Sendable (TrainingProgress) -> Void)?,
                                       operation: () throws -> T) rethrows -> T {
        try $binding.withValue(reporter.map(Binding.init(report:)), operation: operation)
    }

    /// Reports an epoch to the bound reporter, if any. Called by trainers.
    public static func report(epoch: Int, of epochs: Int, loss: Double?) {
        binding?.report(TrainingProgress(epoch: epoch, epochs: epochs, loss: loss))
    }

    /// Whether this is the last epoch of its run.
    public var isLast: Bool { epoch >= epochs }

    /// "epoch 3/50 · loss 0.01234" — the line a terminal shows.
    public var description: String {
        "epoch \(epoch)/\(epochs)" + (loss.map { " · loss " + String(format: "%.4g", $0) } ?? "")
    }
}
