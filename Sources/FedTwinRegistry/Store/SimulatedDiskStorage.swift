import Synchronization

/// A disk in memory that keeps what processes see (the page cache) apart from what has
/// reached stable storage, so tests can cut the power at any step of a write protocol and
/// look at every state the disk may come back in; and that can run out of space on demand.
///
/// The model is ext4's default (`data=ordered`, delayed allocation), taken at its weakest:
/// - file data is durable only after an fsync of that file or a `sync()` barrier;
/// - a rename (or a new name) is durable only after an fsync of its directory or a barrier;
///   until then the renames still pending reach the disk, at a power loss, as a prefix of
///   the order they were made in — and may do so before the data of the file they name
///   (a new file then comes back empty: the rename that outran its data);
/// - an fsync of a file does not make other files' data or names durable.
///
/// Every disk effect is one step (a file's data written, an fsync, a rename, a barrier);
/// `cutPower(afterSteps:)` lets that many happen and fails the next one and every later
/// call with `PowerLoss`. `afterPowerLoss(_:)` then materialises one of the states the disk
/// may hold, as a fresh storage whose files are all durable.
public final class SimulatedDiskStorage: RegistryStorage {
    /// Thrown by the operation the power cut interrupted and by every later call.
    public struct PowerLoss: Error, Sendable {}

    /// What of the unsynced state reached the disk when the power went.
    public struct Outcome: Sendable, Hashable, CustomStringConvertible {
        /// How many of the pending renames reached the disk (in the order they were made).
        public var renamesReached: Int
        public var data: UnsyncedData

        public init(renamesReached: Int, data: UnsyncedData) {
            self.renamesReached = renamesReached
            self.data = data
        }

        public var description: String { "\(renamesReached) pending renames, unsynced data \(data)" }
    }

    /// What became of data written but not synced.
    public enum UnsyncedData: String, Sendable, Hashable, CaseIterable {
        /// None of it reached the disk: a new file is empty, an append is lost.
        case lost
        /// The first half of it did: a torn file, a torn last line.
        case torn
        /// All of it did (what a SIGKILL, which keeps the page cache, leaves).
        case kept
    }

    struct Inode {
        var cached: [UInt8]
        var durable: [UInt8]
    }

    struct Rename {
        var path: String
        /// nil: the name is removed.
        var inode: Int?
    }

    struct State {
        var inodes: [Int: Inode] = [:]
        var nextInode = 1
        /// The namespace processes see.
        var names: [String: Int] = [:]
        /// The namespace on stable storage.
        var durableNames: [String: Int] = [:]
        /// Name changes not yet durable, in order.
        var pending: [Rename] = []
        var steps = 0
        var powerCutAfter: Int?
        var poweredOff = false
        /// Bytes that may still be written; nil = unlimited.
        var freeBytes: Int?
        /// When set, appends fail with `noSpace` while other writes go on (a quota hit
        /// between a commit's manifest and its audit entry).
        var appendsFail = false

        mutating func step() throws {
            if poweredOff { throw PowerLoss() }
            if let limit = powerCutAfter, steps >= limit {
                poweredOff = true
                throw PowerLoss()
            }
            steps += 1
        }

        mutating func reserve(_ count: Int, path: String) throws {
            if poweredOff { throw PowerLoss() }
            guard let free = freeBytes else { return }
            guard count <= free else {
                throw RegistryError(path: path, problem: "write failed: No space left on device (simulated)", code: .noSpace)
            }
            freeBytes = free - count
        }

        mutating func rename(_ path: String, to inode: Int?) {
            names[path] = inode
            pending.append(Rename(path: path, inode: inode))
        }

        /// Makes the pending renames inside `directory` durable (an fsync of the directory).
        mutating func commitNames(in directory: String) {
            var kept: [Rename] = []
            for r in pending {
                if Self.directory(of: r.path) == directory { durableNames[r.path] = r.inode } else { kept.append(r) }
            }
            pending = kept
        }

        static func directory(of path: String) -> String {
            path.split(separator: "/").dropLast().joined(separator: "/")
        }
    }

    private let state: Mutex<State>
    private let writer = Mutex<Void>(())

    public init() {
        state = Mutex(State())
    }

    init(state: State) {
        self.state = Mutex(state)
    }

    public var location: String { "simulated disk" }

    // MARK: test controls

    /// Steps taken so far (every disk effect is one).
    public var steps: Int { state.withLock { $0.steps } }

    /// Renames made but not yet durable.
    public var pendingRenames: Int { state.withLock { $0.pending.count } }

    /// Lets `steps` more disk effects happen, then fails the next one and every later call.
    public func cutPower(afterSteps steps: Int) {
        state.withLock { $0.powerCutAfter = $0.steps + steps }
    }

    /// Limits the bytes that can still be written (nil: unlimited, i.e. space was freed).
    /// A write or append that does not fit fails with `RegistryError.Code.noSpace` and
    /// changes nothing.
    public func setFreeBytes(_ bytes: Int?) {
        state.withLock { $0.freeBytes = bytes }
    }

    /// Makes appends (the audit log) fail with `noSpace` while other writes succeed, or
    /// lets them succeed again: the write that fails last in a commit.
    public func setAppendsFail(_ fail: Bool) {
        state.withLock { $0.appendsFail = fail }
    }

    /// An independent copy of this disk, page cache and all: one crash test per copy.
    public func copy() -> SimulatedDiskStorage {
        SimulatedDiskStorage(state: state.withLock { $0 })
    }

    /// The disk as it comes back after the power loss, with `outcome` deciding what of the
    /// unsynced state made it; everything in the returned storage is durable.
    public func afterPowerLoss(_ outcome: Outcome) -> SimulatedDiskStorage {
        state.withLock { s in
            var names = s.durableNames
            for r in s.pending.prefix(max(0, outcome.renamesReached)) { names[r.path] = r.inode }
            var result = State()
            for (path, id) in names {
                guard let inode = s.inodes[id] else { continue }
                let bytes: [UInt8]
                switch outcome.data {
                case .kept: bytes = inode.cached
                case .lost: bytes = inode.durable
                case .torn:
                    // Appends keep their synced prefix; a rewritten file keeps half its new data.
                    let base = inode.cached.starts(with: inode.durable) ? inode.durable.count : 0
                    bytes = Array(inode.cached.prefix(base + (inode.cached.count - base) / 2))
                }
                result.inodes[id] = Inode(cached: bytes, durable: bytes)
                result.names[path] = id
            }
            result.durableNames = result.names
            result.nextInode = s.nextInode
            return SimulatedDiskStorage(state: result)
        }
    }

    /// Every file as processes see it now: lets a test tell identical crash states apart.
    public func files() -> [String: [UInt8]] {
        state.withLock { s in s.names.compactMapValues { s.inodes[$0]?.cached } }
    }

    /// Overwrites a file durably without any checks: lets tests damage a store.
    public func tamper(_ path: String, _ change: (inout [UInt8]) -> Void) {
        state.withLock { s in
            var bytes = s.names[path].flatMap { s.inodes[$0]?.cached } ?? []
            change(&bytes)
            let id = s.nextInode
            s.nextInode += 1
            s.inodes[id] = Inode(cached: bytes, durable: bytes)
            s.names[path] = id
            s.durableNames[path] = id
        }
    }

    // MARK: RegistryStorage

    public func read(_ path: String) throws -> [UInt8]? {
        try state.withLock { s in
            if s.poweredOff { throw PowerLoss() }
            return s.names[path].flatMap { s.inodes[$0]?.cached }
        }
    }

    public func readTail(_ path: String, maxBytes: Int) throws -> [UInt8]? {
        try read(path).map { Array($0.suffix(maxBytes)) }
    }

    public func writeAtomically(_ bytes: [UInt8], to path: String, durable: Bool) throws {
        try state.withLock { s in
            try s.reserve(bytes.count, path: path)
            try s.step()  // the temp file's data, in the page cache
            let id = s.nextInode
            s.nextInode += 1
            s.inodes[id] = Inode(cached: bytes, durable: [])
            if durable {
                try s.step()  // fsync of the temp file
                s.inodes[id]?.durable = bytes
            }
            try s.step()  // rename over the target
            s.rename(path, to: id)
            if durable {
                try s.step()  // fsync of the directory
                s.commitNames(in: State.directory(of: path))
            }
        }
    }

    public func appendLines(_ lines: [[UInt8]], to path: String, durable: Bool) throws {
        try state.withLock { s in
            var chunk: [UInt8] = []
            for line in lines { chunk += line + [0x0a] }
            if s.appendsFail, !s.poweredOff {
                throw RegistryError(path: path, problem: "write failed: No space left on device (simulated, appends only)", code: .noSpace)
            }
            try s.reserve(chunk.count, path: path)
            try s.step()  // the appended data, in the page cache
            let id: Int
            if let existing = s.names[path] {
                id = existing
            } else {
                id = s.nextInode
                s.nextInode += 1
                s.inodes[id] = Inode(cached: [], durable: [])
                s.rename(path, to: id)
            }
            var bytes = s.inodes[id]!.cached
            // As FileStorage does: cut a torn last line back to the last newline first.
            if let last = bytes.last, last != 0x0a {
                bytes = Array(bytes[..<(bytes.lastIndex(of: 0x0a).map { $0 + 1 } ?? 0)])
            }
            s.inodes[id]!.cached = bytes + chunk
            if durable {
                try s.step()  // fsync of the file
                s.inodes[id]!.durable = s.inodes[id]!.cached
            }
        }
    }

    public func sync() throws {
        try state.withLock { s in
            try s.step()
            for id in s.inodes.keys { s.inodes[id]!.durable = s.inodes[id]!.cached }
            for r in s.pending { s.durableNames[r.path] = r.inode }
            s.pending = []
        }
    }

    public func move(_ path: String, to destination: String) throws {
        try state.withLock { s in
            if s.poweredOff { throw PowerLoss() }
            guard let id = s.names[path] else { throw RegistryError(path: path, problem: "missing") }
            try s.step()  // the rename
            s.rename(destination, to: id)
            s.rename(path, to: nil)
            try s.step()  // fsync of both directories
            s.commitNames(in: State.directory(of: destination))
            s.commitNames(in: State.directory(of: path))
        }
    }

    public func remove(_ path: String) throws {
        try state.withLock { s in
            try s.step()
            if s.names[path] != nil { s.rename(path, to: nil) }
        }
    }

    public func list(_ directory: String) throws -> [String] {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return try state.withLock { s in
            if s.poweredOff { throw PowerLoss() }
            return Set(s.names.compactMap { path, id -> String? in
                guard s.inodes[id] != nil, path.hasPrefix(prefix) else { return nil }
                return String(path.dropFirst(prefix.count).split(separator: "/").first ?? "")
            }).filter { !$0.isEmpty }.sorted()
        }
    }

    public func withWriteLock<T>(_ body: () throws -> T) throws -> T {
        try writer.withLock { _ in try body() }
    }
}
