import ArgumentParser
import FedTwinStatus
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `fedtwin status --coordinator URL`: the coordinator's /status as a table in a terminal.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a running coordinator's phase, round and sites (from its --http endpoint).")

    @Option(help: "The coordinator's status endpoint, e.g. http://127.0.0.1:7451") var coordinator: String
    @Flag(help: "Redraw every --interval seconds until interrupted.") var watch = false
    @Option(help: "Seconds between redraws with --watch.") var interval: Double = 2

    func run() async throws {
        guard var url = URL(string: coordinator), url.scheme == "http" || url.scheme == "https" else {
            throw ValidationError("--coordinator must be an http:// URL, got \(coordinator)")
        }
        if url.path.isEmpty || url.path == "/" { url = url.appendingPathComponent("status") }
        repeat {
            let report: StatusReport
            do {
                let (data, response) = try await URLSession.shared.data(from: url)
                guard (response as? HTTPURLResponse)?.statusCode == 200 else {
                    throw ValidationError("\(url) answered \((response as? HTTPURLResponse)?.statusCode ?? 0)")
                }
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                report = try decoder.decode(StatusReport.self, from: data)
            } catch let error as ValidationError {
                throw error
            } catch {
                throw ValidationError("cannot read \(url): \(error.localizedDescription)")
            }
            if watch { print("\u{1B}[H\u{1B}[2J", terminator: "") }
            print(Self.render(report))
            if watch { try await Task.sleep(for: .seconds(interval)) }
        } while watch
    }

    /// The report as lines for a terminal.
    static func render(_ r: StatusReport, now: Date = Date()) -> String {
        var lines = ["\(r.software) · phase \(r.phase) · round \(r.round)/\(r.rounds) · version \(r.version)"
                     + (r.deadline.map { " · deadline in \(max(0, Int($0.timeIntervalSince(now).rounded()))) s" } ?? "")]
        lines.append("waiting for: " + (r.waitingFor.isEmpty ? "nobody" : r.waitingFor.joined(separator: ", ")))
        var table = TextTable(["site", "connected", "since", "software", "proto", "selected", "last update", "last evaluation", "refusals"])
        for s in r.sites {
            table.add([s.name + (s.revoked ? " (revoked)" : ""), s.connected ? "yes" : "no",
                       s.since.map { ago($0, now) } ?? "-", s.software ?? "-", s.protocolVersion.map(String.init) ?? "-",
                       s.selected ? "yes" : "", s.lastUpdateRound.map { "round \($0)" } ?? "-",
                       s.lastEvaluationVersion.map { v in "v\(v) loss " + String(format: "%.4g", s.lastEvaluationLoss ?? .nan) } ?? "-",
                       s.refusals.isEmpty ? "-" : s.refusals.sorted { $0.key < $1.key }.map { "\($0.key)×\($0.value)" }.joined(separator: " ")])
        }
        lines.append(table.render())
        return lines.joined(separator: "\n")
    }

    static func ago(_ date: Date, _ now: Date) -> String {
        let s = Int(now.timeIntervalSince(date).rounded())
        return s < 120 ? "\(s) s ago" : "\(s / 60) min ago"
    }
}
