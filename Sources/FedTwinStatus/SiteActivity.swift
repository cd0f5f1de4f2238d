import Foundation

/// What the events said about one site since the coordinator started.
struct SiteActivity: Sendable {
    var lastUpdateRound: Int?
    var lastUpdateAt: Date?
    var refusals: [String: Int] = [:]
}
