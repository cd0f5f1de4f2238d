import FedTwinWire
import Foundation

/// The site's own append-only record of what left it: one JSON line per frame sent (kind,
/// round, seq, SHA-256 of the frame, size), plus data events such as the split hashes.
/// It lets a site show an auditor exactly which updates it contributed.
///
/// The file is opened once, when the worker starts, so a log that cannot be kept stops the
/// site before anything is sent. Each line is written before its frame is queued and
/// flushed to disk (`sync`) after, so a frame never leaves without its line, and the disk
/// flush stays off the frame's path.
public final class SentLog: Sendable {
    public let path: String
    /// The site every line names, so that logs gathered from several sites stay apart.
    public let site: String?
    private let fd: Int32

    /// Opens (or creates) the log for appending.
    public init(path: String, site: String? = nil) throws {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw SentLogError(path: path, operation: "open", errno: errno) }
        self.path = path
        self.site = site
        self.fd = fd
    }

    deinit {
        close(fd)
    }

    /// Appends one line (not yet flushed to disk: see `sync`).
    public func append(_ fields: [String: String]) throws {
        var entry = fields
        entry["time"] = Date().formatted(Self.timeFormat)
        if let site { entry["site"] = site }
        var line = try Self.encoder.encode(entry)
        line.append(0x0a)
        try line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw SentLogError(path: path, operation: "write", errno: errno)
                }
                offset += written
            }
        }
    }

    /// Flushes what was appended to disk.
    public func sync() throws {
        guard fsync(fd) == 0 else { throw SentLogError(path: path, operation: "fsync", errno: errno) }
    }

    /// Records a frame about to be sent.
    public func sent(_ type: MessageType, frame: [UInt8], envelope: Envelope) throws {
        try append(["event": "sent", "type": type.description, "round": String(envelope.round), "seq": String(envelope.seq),
                    "session": envelope.session, "frame": SHA256.hex(frame), "bytes": String(frame.count)])
    }

    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!)
    /// Sorted keys: lines are stable and diffable. One encoder for every line, not one per frame.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

/// The site's sent log could not be kept: which file, which call, and the system's reason.
public struct SentLogError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var operation: String
    public var errno: Int32

    public var description: String {
        "sent log \(path): \(operation) failed: \(String(cString: strerror(errno)))"
    }
}
