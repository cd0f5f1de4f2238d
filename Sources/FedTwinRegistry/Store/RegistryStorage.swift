/// The storage seam under the registry: named byte files with atomic replace, append, a
/// durability barrier and a writer lock. `FileStorage` is the real one (a directory a
/// reviewer can copy and inspect); `InMemoryStorage` backs fast unit tests.
///
/// Durability is batched: writes become visible at once but durable only at the next
/// `sync()` (or immediately with `durable: true`). The registry orders its writes around
/// barriers so that a crash at any instant leaves the last committed version intact.
///
/// Writes fail with `RegistryError.Code.noSpace` when the file system is full, and leave
/// nothing half-visible behind: the registry (and the coordinator) can wait and retry.
/// `SimulatedDiskStorage` models the page cache against the disk, so tests can cut the
/// power at any step and fill the disk on purpose.
///
/// Paths are relative to the store root and use "/" (e.g. "versions/000003.json").
public protocol RegistryStorage: Sendable {
    /// The file's bytes, or nil if it does not exist.
    func read(_ path: String) throws -> [UInt8]?
    /// At most the last `maxBytes` bytes of the file, or nil if it does not exist.
    func readTail(_ path: String, maxBytes: Int) throws -> [UInt8]?
    /// Replaces the file atomically (temp file, rename); with `durable`, also fsyncs the
    /// file before the rename and the directory after it.
    func writeAtomically(_ bytes: [UInt8], to path: String, durable: Bool) throws
    /// Appends whole lines. A torn last line left by a crash is cut off first, so the file
    /// only ever holds whole lines. With `durable`, fsyncs before returning.
    func appendLines(_ lines: [[UInt8]], to path: String, durable: Bool) throws
    /// A durability barrier: everything written before it is on stable storage after it.
    func sync() throws
    /// Renames a file (creating the destination's directory), durable on return. The
    /// registry uses it to set a damaged file aside, never to delete one.
    func move(_ path: String, to destination: String) throws
    /// Removes a file if it exists. Only for the registry's own scratch files (the
    /// free-space probe); store data is moved aside, never removed.
    func remove(_ path: String) throws
    /// File names directly inside `directory` (empty if it does not exist).
    func list(_ directory: String) throws -> [String]
    /// Runs `body` holding the store's exclusive writer lock.
    func withWriteLock<T>(_ body: () throws -> T) throws -> T
    /// Where this storage lives, for messages.
    var location: String { get }
}

extension RegistryStorage {
    public func writeAtomically(_ bytes: [UInt8], to path: String) throws {
        try writeAtomically(bytes, to: path, durable: true)
    }
}
