import FedTwinRegistry
import FedTwinWire
import Foundation

/// The reviewer's report (`fedtwin report`): one self-contained HTML page, no script and no
/// network — the plot is inline SVG drawn here, so the page renders the same when archived.
/// (The status page draws its plot in the browser from live JSON; a static record cannot.)
/// Every name and text from the store is escaped.
struct ReviewReport {
    var store: String
    var info: StoreInfo
    var versions: [StoredVersion]
    var states: [Int: LifecycleState]
    var evaluations: [Int: EvaluationRecord]
    var validation: ValidationRecord?
    var plan: ValidationPlan?
    var chosen: Int
    var records: [SignatureRecord]
    var audit: [AuditEntry]
    var verification: VerificationReport
    var generatedAt: String

    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static func number(_ x: Double?) -> String { x.map { String(format: "%.6g", $0) } ?? "—" }

    static func table(_ header: [String], _ rows: [[String]], raw: Bool = false) -> String {
        var html = "<table><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows { html += "<tr>" + row.map { "<td>\(raw ? $0 : escape($0))</td>" }.joined() + "</tr>" }
        return html + "</tbody></table>"
    }

    /// The held-out metric plotted: "loss" if reported, else the first by name.
    var metric: String? {
        let names = Set(evaluations.values.flatMap { $0.evaluations.flatMap(\.metrics.keys) }).sorted()
        return names.contains("loss") ? "loss" : names.first
    }

    func html() -> String {
        var h = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>FedTwin reviewer's report: \(Self.escape(info.component.id))</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222;background:#fafafa;max-width:1100px}
            h1{font-size:1.3em;margin:0 0 .3em} h2{font-size:1.1em;margin-top:1.6em} .muted{color:#666}
            table{border-collapse:collapse;margin:.6em 0;background:#fff} th,td{border:1px solid #ddd;padding:3px 7px;text-align:left;vertical-align:top}
            th{background:#eee} .pass{color:#080;font-weight:bold} .fail{color:#b00;font-weight:bold} svg{background:#fff;border:1px solid #ddd}
            code{font-size:12px}
            </style></head><body>
            <h1>Reviewer's report: \(Self.escape(info.component.id))</h1>
            <p class="muted">Store \(Self.escape(store)) · coordinator key <code>\(info.coordinator.hex)</code> · generated \(Self.escape(generatedAt)) by \(Self.escape(FedTwinVersion.software))</p>

            """
        let failed = verification.failures
        h += "<h2>Verification</h2><p class=\"\(failed.isEmpty ? "pass" : "fail")\">"
        h += failed.isEmpty ? "OK: \(verification.checks.count) checks passed" : "FAILED: \(failed.count) of \(verification.checks.count) checks failed"
        h += "</p><p class=\"muted\">hashes, signatures, the version chain, the audit log, the e-signatures and lifecycle rules (<code>fedtwin models verify</code>; add --replay to recompute the aggregations).</p>"
        if !failed.isEmpty { h += Self.table(["check", "problem"], failed.map { [$0.subject, $0.detail] }) }

        h += "<h2>Version timeline</h2>"
        h += Self.table(["version", "round", "committed (UTC)", "state", "sites", "samples", "held-out \(metric ?? "")", "signatures"], versions.map { v in
            let sigs = records.filter { $0.subject == .version && $0.number == v.number }.map {
                Self.escape("\($0.meaning.rawValue) by \($0.printedName) (\($0.person), \($0.role)) at \($0.time)\($0.channel.map { " [\($0)]" } ?? "")\($0.reason.map { " — \($0)" } ?? "")")
            }.joined(separator: "<br>")
            let mean = metric.flatMap { evaluations[v.number]?.weightedMean($0) }
            return [String(v.number), String(v.manifest.round), Self.escape(v.manifest.createdAt), Self.escape(states[v.number]?.description ?? "?"),
                    Self.escape(v.manifest.contributions.map(\.site).joined(separator: ", ")), String(v.manifest.totalSamples), Self.number(mean), sigs]
        }, raw: true)
        let planRecords = records.filter { $0.subject == .plan }
        if !planRecords.isEmpty {
            h += Self.table(["plan signature", "meaning", "printed name", "person", "time (UTC)"], planRecords.map {
                ["plan \($0.number)", $0.meaning.rawValue, $0.printedName, $0.person, $0.time]
            })
        }

        h += "<h2>Held-out \(Self.escape(metric ?? "metric")) per version and site</h2>" + plot()
        h += evaluationTable()

        h += "<h2>Acceptance criteria: version \(chosen)</h2>"
        if let validation {
            h += "<p>Plan \(validation.planVersion)\(plan.map { ": intended use “\(Self.escape($0.intendedUse))”" } ?? ""). Outcome "
            h += "<b class=\"\(validation.outcome == .passed ? "pass" : "fail")\">\(validation.outcome.rawValue)</b>: \(validation.evaluatingSites) evaluating sites, at least \(validation.minimumSites) required"
            h += validation.planPredatesVersion ? "; the plan was stored before the version.</p>" : "; <b class=\"fail\">the plan was stored after the version</b>.</p>"
            h += Self.table(["criterion", "site", "value", "threshold", "result"], validation.results.map {
                [Self.escape($0.criterion), Self.escape($0.site), Self.number($0.value), Self.number($0.threshold),
                 $0.passed.map { $0 ? "<span class=\"pass\">pass</span>" : "<span class=\"fail\">fail</span>" } ?? "missing"]
            }, raw: true)
        } else {
            h += "<p>No validation record for version \(chosen) (no plan, or not evaluated yet).</p>"
        }

        h += "<h2>Contributions per round</h2>"
        h += Self.table(["version", "round", "site", "samples", "update (SHA-256)", "encoding", "bytes"], versions.flatMap { v in
            v.manifest.contributions.map { [String(v.number), String(v.manifest.round), $0.site, String($0.samples), String($0.update.prefix(16)) + "…", $0.encoding, String($0.bytes)] }
        })
        h += "<p class=\"muted\">Update norms are not recorded in the store, so none are shown.</p>"
        h += "<h3>Refusals by reason (audit log)</h3>" + refusals()
        return h + "</body></html>\n"
    }

    func evaluationTable() -> String {
        let rows = versions.flatMap { v in
            (evaluations[v.number]?.evaluations ?? []).map { e in
                [String(v.number), e.site, String(e.samples), e.metrics.keys.sorted().map { "\($0)=\(Self.number(e.metrics[$0]))" }.joined(separator: " ")]
            }
        }
        return rows.isEmpty ? "<p>No evaluations.</p>" : Self.table(["version", "site", "samples", "metrics"], rows)
    }

    /// Refusals audited by the coordinator, counted per round and reason.
    func refusals() -> String {
        var counts: [String: [String: Int]] = [:]
        for e in audit where e.event.hasSuffix("-refused") || e.event == "site-rejected" {
            let round = e.data["round"] ?? "—"
            let reason = "\(e.event): \(e.data["code"] ?? e.data["reason"] ?? "?")"
            counts[round, default: [:]][reason, default: 0] += 1
        }
        guard !counts.isEmpty else { return "<p>None.</p>" }
        let rows = counts.keys.sorted { (Int($0) ?? -1, $0) < (Int($1) ?? -1, $1) }.flatMap { round in
            counts[round]!.keys.sorted().map { [round, $0, String(counts[round]![$0]!)] }
        }
        return Self.table(["round", "event: reason", "count"], rows)
    }

    /// Inline SVG: the metric per version, one line per site.
    func plot() -> String {
        guard let metric else { return "<p>No evaluations to plot.</p>" }
        var points: [String: [(Int, Double)]] = [:]
        for v in versions { for e in evaluations[v.number]?.evaluations ?? [] { if let x = e.metrics[metric], x.isFinite { points[e.site, default: []].append((v.number, x)) } } }
        let all = points.values.flatMap { $0 }
        guard !all.isEmpty else { return "<p>No finite values to plot.</p>" }
        let (W, H, L, R, T, B) = (760.0, 300.0, 60.0, 140.0, 15.0, 35.0)
        let x0 = Double(all.map(\.0).min()!), x1 = max(Double(all.map(\.0).max()!), x0 + 1)
        let y0 = all.map(\.1).min()!, y1 = max(all.map(\.1).max()!, y0 + 1e-9)
        func X(_ r: Double) -> Double { L + (r - x0) / (x1 - x0) * (W - L - R) }
        func Y(_ v: Double) -> Double { T + (1 - (v - y0) / (y1 - y0)) * (H - T - B) }
        func f(_ x: Double) -> String { String(format: "%.1f", x) }
        let colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
        var s = "<svg width=\"\(Int(W))\" height=\"\(Int(H))\" role=\"img\" aria-label=\"held-out \(Self.escape(metric)) per version and site\" xmlns=\"http://www.w3.org/2000/svg\">"
        s += "<line x1=\"\(f(L))\" y1=\"\(f(H - B))\" x2=\"\(f(W - R))\" y2=\"\(f(H - B))\" stroke=\"#999\"/><line x1=\"\(f(L))\" y1=\"\(f(T))\" x2=\"\(f(L))\" y2=\"\(f(H - B))\" stroke=\"#999\"/>"
        for i in 0...4 { let v = y0 + (y1 - y0) * Double(i) / 4; s += "<text x=\"\(f(L - 6))\" y=\"\(f(Y(v) + 4))\" text-anchor=\"end\" font-size=\"11\">\(String(format: "%.3g", v))</text>" }
        let step = max(1, Int(((x1 - x0) / 10).rounded(.up)))
        for r in stride(from: Int(x0), through: Int(x1), by: step) { s += "<text x=\"\(f(X(Double(r))))\" y=\"\(f(H - B + 15))\" text-anchor=\"middle\" font-size=\"11\">\(r)</text>" }
        s += "<text x=\"\(f((L + W - R) / 2))\" y=\"\(f(H - 5))\" text-anchor=\"middle\" font-size=\"12\">version</text>"
        for (i, site) in points.keys.sorted().enumerated() {
            let c = colours[i % colours.count], pts = points[site]!.sorted { $0.0 < $1.0 }
            s += "<polyline fill=\"none\" stroke=\"\(c)\" stroke-width=\"2\" points=\"\(pts.map { "\(f(X(Double($0.0)))),\(f(Y($0.1)))" }.joined(separator: " "))\"/>"
            for p in pts { s += "<circle cx=\"\(f(X(Double(p.0))))\" cy=\"\(f(Y(p.1)))\" r=\"3\" fill=\"\(c)\"><title>\(Self.escape(site)) version \(p.0): \(Self.number(p.1))</title></circle>" }
            s += "<rect x=\"\(f(W - R + 10))\" y=\"\(f(T + Double(i) * 18))\" width=\"12\" height=\"12\" fill=\"\(c)\"/><text x=\"\(f(W - R + 28))\" y=\"\(f(T + Double(i) * 18 + 11))\" font-size=\"12\">\(Self.escape(site))</text>"
        }
        return s + "</svg>"
    }
}
