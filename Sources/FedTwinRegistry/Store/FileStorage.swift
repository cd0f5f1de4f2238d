#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CFedTwinPOSIX
import Foundation

/// A registry in a directory on disk.
public struct FileStorage: RegistryStorage {
    public let root: String

    public init(root: String) {
        self.root = root
    }

    public var location: String { root }

    func full(_ path: String) -> String { "\(root)/\(path)" }

    public func read(_ path: String) throws -> [UInt8]? {
        let p = full(path)
        guard FileManager.default.fileExists(atPath: p) else { return nil }
        guard let data = FileManager.default.contents(atPath: p) else {
            throw RegistryError(path: path, problem: "exists but cannot be read")
        }
        return Array(data)
    }

    public func readTail(_ path: String, maxBytes: Int) throws -> [UInt8]? {
        let fd = open(full(path), O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw RegistryError.posix(path, "cannot open")
        }
        defer { close(fd) }
        let size = Int(lseek(fd, 0, SEEK_END))
        let count = min(size, maxBytes)
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(size - count)) }
        guard n == count else { throw RegistryError(path: path, problem: "short read") }
        return bytes
    }

    public func writeAtomically(_ bytes: [UInt8], to path: String, durable: Bool) throws {
        let p = full(path)
        try AtomicFile.makeDirectory((p as NSString).deletingLastPathComponent)
        try AtomicFile.write(bytes, to: p, durable: durable)
    }

    public func sync() throws {
        let fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw RegistryError.posix(root, "cannot open store directory") }
        defer { close(fd) }
        guard fedtwin_syncfs(fd) == 0 else { throw RegistryError.posix(root, "syncfs failed") }
    }

    public func appendLines(_ lines: [[UInt8]], to path: String, durable: Bool) throws {
        let p = full(path)
        try AtomicFile.makeDirectory((p as NSString).deletingLastPathComponent)
        let fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RegistryError.posix(path, "cannot open for append") }
        defer { close(fd) }
        // Cut a torn last line (a crash mid-append) back to the last newline.
        let size = lseek(fd, 0, SEEK_END)
        if size > 0 {
            var last: UInt8 = 0
            _ = pread(fd, &last, 1, size - 1)
            if last != 0x0a {
                var position = size - 1
                var byte: UInt8 = 0
                while position > 0 {
                    _ = pread(fd, &byte, 1, position - 1)
                    if byte == 0x0a { break }
                    position -= 1
                }
                guard ftruncate(fd, position) == 0 else { throw RegistryError.posix(path, "cannot cut torn last line") }
            }
        }
        lseek(fd, 0, SEEK_END)
        var chunk: [UInt8] = []
        for line in lines { chunk += line + [0x0a] }
        try AtomicFile.writeAll(fd, chunk, path: path)
        if durable {
            guard fsync(fd) == 0 else { throw RegistryError.posix(path, "fsync failed") }
        }
    }

    public func move(_ path: String, to destination: String) throws {
        guard FileManager.default.fileExists(atPath: full(path)) else { throw RegistryError(path: path, problem: "missing") }
        try AtomicFile.move(full(path), to: full(destination))
    }

    public func remove(_ path: String) throws {
        guard unlink(full(path)) == 0 || errno == ENOENT else { throw RegistryError.posix(path, "cannot remove") }
    }

    public func list(_ directory: String) throws -> [String] {
        let p = full(directory)
        guard FileManager.default.fileExists(atPath: p) else { return [] }
        do {
            return try FileManager.default.contentsOfDirectory(atPath: p).filter { !$0.hasPrefix(".tmp-") }.sorted()
        } catch {
            throw RegistryError(path: directory, problem: "cannot list: \(error.localizedDescription)")
        }
    }

    public func withWriteLock<T>(_ body: () throws -> T) throws -> T {
        try AtomicFile.makeDirectory(root)
        return try FileLock.withLock(full("LOCK"), body)
    }
}
