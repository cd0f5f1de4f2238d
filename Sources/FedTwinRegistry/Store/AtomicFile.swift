#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Crash-safe file writes: temp file in the same directory, write, fsync, rename over the
/// target, fsync the directory. A crash at any instant leaves either the old file or the
/// new one, never a torn one.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String, durable: Bool = true) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temp = "\(directory)/.tmp-\((path as NSString).lastPathComponent)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RegistryError(path: temp, problem: "cannot create: \(String(cString: strerror(errno)))") }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        do {
            defer { close(fd) }
            try writeAll(fd, bytes, path: temp)
            guard !durable || fsync(fd) == 0 else { throw RegistryError(path: temp, problem: "fsync failed: \(String(cString: strerror(errno)))") }
        }
        guard rename(temp, path) == 0 else { throw RegistryError(path: path, problem: "rename failed: \(String(cString: strerror(errno)))") }
        ok = true
        if durable { try syncDirectory(directory) }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RegistryError(path: path, problem: "write failed: \(String(cString: strerror(errno)))")
            }
            written += n
        }
    }

    static func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw RegistryError(path: directory, problem: "cannot open directory: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw RegistryError(path: directory, problem: "directory fsync failed: \(String(cString: strerror(errno)))") }
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RegistryError(path: path, problem: FileManager.default.fileExists(atPath: path) ? "not readable" : "missing")
        }
        return Array(data)
    }

    static func makeDirectory(_ path: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw RegistryError(path: path, problem: "cannot create directory: \(error.localizedDescription)")
        }
    }
}

#if canImport(Glibc)
let systemWrite = Glibc.write
#else
let systemWrite = Darwin.write
#endif
