import Foundation

extension StatusReport {
    /// The report as `fedtwin status` prints it: a summary line, whom the phase waits for,
    /// and one aligned row per enrolled site. `now` makes ages and the deadline relative.
    public func rendered(now: Date = Date()) -> String {
        var lines = ["\(software) · phase \(phase) · round \(round)/\(rounds) · version \(version)"
                     + (deadline.map { " · deadline in \(max(0, Int($0.timeIntervalSince(now).rounded()))) s" } ?? "")]
        lines.append("waiting for: " + (waitingFor.isEmpty ? "nobody" : waitingFor.joined(separator: ", ")))
        let header = ["site", "connected", "since", "software", "proto", "selected", "last update", "last evaluation", "refusals"]
        let rows: [[String]] = sites.map { s in Self.row(s, now: now) }
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        for row in all {
            var line = row.indices.map { row[$0] + String(repeating: " ", count: widths[$0] - row[$0].count) }.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// Whether the coordinator has run its last round: nothing more will change, so
    /// `fedtwin status --watch` stops.
    public var isFinal: Bool { phase == "finished" }

    static func row(_ s: Site, now: Date) -> [String] {
        let name: String = s.name + (s.revoked ? " (revoked)" : "")
        let since: String = s.since.map { Self.ago($0, now) } ?? "-"
        let proto: String = s.protocolVersion.map { String($0) } ?? "-"
        let update: String = s.lastUpdateRound.map { "round \($0)" } ?? "-"
        var evaluation = "-"
        if let v = s.lastEvaluationVersion {
            evaluation = "v\(v) loss " + String(format: "%.4g", s.lastEvaluationLoss ?? .nan)
        }
        let refusals: String = s.refusals.isEmpty ? "-"
            : s.refusals.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")
        return [name, s.connected ? "yes" : "no", since, s.software ?? "-", proto, s.selected ? "yes" : "", update, evaluation, refusals]
    }

    static func ago(_ date: Date, _ now: Date) -> String {
        let s = Int(now.timeIntervalSince(date).rounded())
        return s < 120 ? "\(s) s ago" : "\(s / 60) min ago"
    }
}
