/// The storage seam under the registry: named byte files with atomic replace, durable
/// append and a writer lock. `FileStorage` is the real one (a directory a reviewer can
/// copy and inspect); `InMemoryStorage` backs fast unit tests.
///
/// Paths are relative to the store root and use "/" (e.g. "versions/000003.json").
public protocol RegistryStorage: Sendable {
    /// The file's bytes, or nil if it does not exist.
    func read(_ path: String) throws -> [UInt8]?
    /// Replaces the file atomically and durably (temp, fsync, rename, directory fsync).
    func writeAtomically(_ bytes: [UInt8], to path: String) throws
    /// Appends one line durably. A torn last line left by a crash is cut off first, so the
    /// file only ever holds whole lines.
    func appendLine(_ line: [UInt8], to path: String) throws
    /// File names directly inside `directory` (empty if it does not exist).
    func list(_ directory: String) throws -> [String]
    /// Runs `body` holding the store's exclusive writer lock.
    func withWriteLock<T>(_ body: () throws -> T) throws -> T
    /// Where this storage lives, for messages.
    var location: String { get }
}
