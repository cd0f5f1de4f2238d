import Foundation
import Testing

/// `fedtwin report` (issue 14 §6): the page's content, with every name from the store escaped.
@Suite("Reviewer's report (real executable)")
struct ReportCommandTests {
    @Test("the report shows the verification, timeline, plan signatures and refusals, and escapes names and texts", .timeLimit(.minutes(1)))
    func reportContentAndEscaping() async throws {
        let ws = try Workspace("report")
        defer { ws.cleanup() }
        _ = try await ws.runOK("fedtwin", ["keygen", "--name", "coordinator", "--out", "keys"])
        _ = try await ws.runOK("fedtwin", ["store", "init", "--store", "store", "--component", "noop", "--coordinator-key", "keys/coordinator.key"])
        try "anna-passphrase\n".write(toFile: ws.path("anna.pass"), atomically: true, encoding: .utf8)
        try "wrong-passphrase\n".write(toFile: ws.path("wrong.pass"), atomically: true, encoding: .utf8)
        _ = try await ws.runOK("fedtwin", ["person", "enroll", "--store", "store", "--name", "qa-anna", "--printed-name", "<b>Ann & \"Co\"</b>", "--role", "qa",
                                           "--key-out", "anna.key", "--passphrase-file", "anna.pass", "--coordinator-key", "keys/coordinator.key"])
        try #"{"intendedUse": "<script>alert(1)</script>", "minimumSites": 1, "thresholds": [{"metric": "loss", "atMost": 1}]}"#
            .write(toFile: ws.path("plan.json"), atomically: true, encoding: .utf8)
        let refused = try await ws.run("fedtwin", ["plan", "set", "--store", "store", "--file", "plan.json", "--as", "anna.key", "--passphrase-file", "wrong.pass",
                                                   "--coordinator-key", "keys/coordinator.key"])
        #expect(refused.status != 0, "\(refused)")
        _ = try await ws.runOK("fedtwin", ["plan", "set", "--store", "store", "--file", "plan.json", "--as", "anna.key", "--passphrase-file", "anna.pass",
                                           "--coordinator-key", "keys/coordinator.key"])
        let out = try await ws.runOK("fedtwin", ["report", "--store", "store", "--out", "report.html"])
        #expect(out.contains("criteria of version 0, verification OK"), "\(out)")
        let html = try #require(ws.read("report.html"))
        #expect(html.hasPrefix("<!doctype html>") && html.hasSuffix("</body></html>\n"))
        #expect(html.contains("<h2>Verification</h2><p class=\"pass\">OK:"))
        #expect(html.contains("<td>candidate</td>"), "the timeline shows version 0's state")
        #expect(html.contains("&lt;b&gt;Ann &amp; &quot;Co&quot;&lt;/b&gt;"), "the printed name is escaped")
        #expect(!html.contains("<b>Ann") && !html.contains("<script"), "no markup from the store reaches the page")
        #expect(html.contains("<td>signature-refused: wrong-passphrase</td>"), "refusals by reason")
        #expect(!html.contains("http://") || html.components(separatedBy: "http://").count == 2, "the only URL is the SVG namespace")
    }
}
