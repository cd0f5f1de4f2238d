import TwinKit

/// What a site's local training is doing, for whoever embeds the worker (the
/// `fedtwin-site` executable draws it as a progress line on a terminal). Heard through
/// `SiteWorker.onTrainingActivity`; the worker itself only logs.
public enum SiteTrainingActivity: Sendable, Equatable {
    /// An epoch of round `round`'s local training has ended.
    case epoch(round: UInt64, TrainingProgress)
    /// Round `round`'s training has ended, finished or failed: a progress line can go.
    case ended(round: UInt64)
}
