#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Crash-safe file writes: temp file in the same directory, write, fsync, rename over the
/// target, fsync the directory. A crash at any instant leaves either the old file or the
/// new one, never a torn one.
///
/// With `durable: false` neither fsync happens: the file becomes durable at the caller's
/// next barrier (`syncfs`). Until then a power loss can leave the new name pointing at a
/// file with none of its data (ext4 with delayed allocation persists a rename of a new file
/// before its blocks), so the registry only writes that way what it can recognise as torn
/// afterwards: content-addressed objects (checked against their hash) and the documents
/// whose durable signature file names their hash (`Registry.reconcile`).
/// Failures carry `RegistryError.Code.noSpace` for ENOSPC/EDQUOT.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String, durable: Bool = true) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temp = "\(directory)/.tmp-\((path as NSString).lastPathComponent)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RegistryError.posix(path, "cannot create a temporary file for it") }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        do {
            defer { close(fd) }
            try writeAll(fd, bytes, path: path)
            guard !durable || fsync(fd) == 0 else { throw RegistryError.posix(path, "fsync failed") }
        }
        guard rename(temp, path) == 0 else { throw RegistryError.posix(path, "rename failed") }
        ok = true
        if durable { try syncDirectory(directory) }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { systemWrite(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RegistryError.posix(path, "write failed")
            }
            written += n
        }
    }

    static func syncDirectory(_ directory: String) throws {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw RegistryError.posix(directory, "cannot open directory") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw RegistryError.posix(directory, "directory fsync failed") }
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RegistryError(path: path, problem: FileManager.default.fileExists(atPath: path) ? "not readable" : "missing")
        }
        return Array(data)
    }

    static func makeDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        let parent = (path as NSString).deletingLastPathComponent
        if !parent.isEmpty, parent != path { try makeDirectory(parent) }
        if mkdir(path, 0o755) != 0, errno != EEXIST { throw RegistryError.posix(path, "cannot create directory") }
    }

    /// Renames `from` to `to` (same file system) and fsyncs both directories: the move is
    /// durable on return. Used to set files aside, never to delete them.
    static func move(_ from: String, to: String) throws {
        try makeDirectory((to as NSString).deletingLastPathComponent)
        guard rename(from, to) == 0 else { throw RegistryError.posix(from, "cannot move to \(to)") }
        try syncDirectory((to as NSString).deletingLastPathComponent)
        try syncDirectory((from as NSString).deletingLastPathComponent)
    }
}

#if canImport(Glibc)
let systemWrite = Glibc.write
#else
let systemWrite = Darwin.write
#endif
