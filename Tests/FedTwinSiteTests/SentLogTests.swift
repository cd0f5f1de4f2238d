import FedTwinWire
import Foundation
import Logging
import Testing
@testable import FedTwinSite

/// The site's record of what left it: written before the frame goes, and a log that
/// cannot be kept stops the site instead of being skipped silently.
@Suite("Sent log")
struct SentLogTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("fedtwin-sent-\(UUID().uuidString).log").path
    }

    @Test("each frame gets one JSON line with its SHA-256, and reopening appends")
    func linesNameTheFrames() throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let key = try SigningKey.generate()
        let envelope = Envelope(sender: key.publicKey.fingerprint, session: "s1", challenge: "c1", round: 3, seq: 7)
        let frame = try MessageCodec().encode(.heartbeat(Heartbeat(state: "idle")), envelope: envelope, signer: key)
        try SentLog(path: path).sent(.heartbeat, frame: frame, envelope: envelope)
        let reopened = try SentLog(path: path)
        try reopened.append(["event": "note"])
        try reopened.sync()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        let first = try JSONDecoder().decode([String: String].self, from: Data(lines[0].utf8))
        #expect(first["frame"] == SHA256.hex(frame))
        #expect(first["round"] == "3" && first["seq"] == "7" && first["session"] == "s1" && first["type"] == "heartbeat")
        #expect(first["bytes"] == String(frame.count))
        #expect(first["time"]?.hasSuffix("Z") == true)
        #expect(try JSONDecoder().decode([String: String].self, from: Data(lines[1].utf8))["event"] == "note")
    }

    @Test("without --log each site writes NAME-sent.log, and every line names the site")
    func defaultLogIsPerSite() throws {
        let fixture = try AdversarialWorkerTests.Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        var a = fixture.config(adversary: nil)
        a.log = nil
        var b = a
        b.name = "site-y"
        #expect(a.logPath == "site-x-sent.log" && b.logPath == "site-y-sent.log")
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try SentLog(path: path, site: "site-x").append(["event": "note"])
        let line = try JSONDecoder().decode([String: String].self, from: Data(String(contentsOfFile: path, encoding: .utf8).utf8.dropLast()))
        #expect(line["site"] == "site-x")
    }

    @Test("a log that cannot be opened is an error naming the file")
    func unopenableLogIsAnError() {
        let path = "/nonexistent-fedtwin-dir/sent.log"
        let error = #expect(throws: SentLogError.self) { try SentLog(path: path) }
        #expect(error?.operation == "open")
        #expect(error?.description.contains(path) == true)
        #expect(error?.description.contains("No such file") == true)
    }

    @Test("a worker whose sent log cannot be kept refuses to start")
    func workerRefusesToStartWithoutItsLog() throws {
        let fixture = try AdversarialWorkerTests.Fixture()
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        var config = fixture.config(adversary: nil)
        config.log = fixture.directory.appendingPathComponent("missing/sent.log").path
        let error = #expect(throws: SentLogError.self) { try SiteWorker(config: config, logger: Logger(label: "test")) }
        #expect(error?.path == config.logPath)
    }
}
