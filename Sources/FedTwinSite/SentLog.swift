import FedTwinWire
import Foundation

/// The site's own append-only record of what left it: one JSON line per frame sent (kind,
/// round, seq, SHA-256 of the frame, size), plus data events such as the split hashes.
/// It lets a site show an auditor exactly which updates it contributed.
public struct SentLog: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    public func append(_ fields: [String: String]) {
        var entry = fields
        entry["time"] = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(entry) else { return }
        line.append(0x0a)
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
    }

    public func sent(_ type: MessageType, frame: [UInt8], envelope: Envelope) {
        append(["event": "sent", "type": type.description, "round": String(envelope.round), "seq": String(envelope.seq),
                "session": envelope.session, "frame": SHA256.hex(frame), "bytes": String(frame.count)])
    }
}
