import Synchronization

/// Registry storage in memory, for tests of the registry logic and the coordinator.
public final class InMemoryStorage: RegistryStorage {
    private let files = Mutex<[String: [UInt8]]>([:])
    private let writer = Mutex<Void>(())

    public init() {}

    public var location: String { "memory" }

    public func read(_ path: String) throws -> [UInt8]? {
        files.withLock { $0[path] }
    }

    public func readTail(_ path: String, maxBytes: Int) throws -> [UInt8]? {
        files.withLock { $0[path].map { Array($0.suffix(maxBytes)) } }
    }

    public func writeAtomically(_ bytes: [UInt8], to path: String, durable: Bool) throws {
        files.withLock { $0[path] = bytes }
    }

    public func appendLines(_ lines: [[UInt8]], to path: String, durable: Bool) throws {
        files.withLock { files in
            for line in lines { files[path, default: []] += line + [0x0a] }
        }
    }

    public func sync() throws {}

    public func move(_ path: String, to destination: String) throws {
        try files.withLock { files in
            guard let bytes = files.removeValue(forKey: path) else { throw RegistryError(path: path, problem: "missing") }
            files[destination] = bytes
        }
    }

    public func remove(_ path: String) throws {
        files.withLock { _ = $0.removeValue(forKey: path) }
    }

    public func list(_ directory: String) throws -> [String] {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        return files.withLock { files in
            Set(files.keys.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count).split(separator: "/").first ?? "") })
                .filter { !$0.isEmpty }.sorted()
        }
    }

    public func withWriteLock<T>(_ body: () throws -> T) throws -> T {
        try writer.withLock { _ in try body() }
    }

    /// Overwrites a file without any checks: lets tests tamper with a store.
    public func tamper(_ path: String, _ change: (inout [UInt8]) -> Void) {
        files.withLock { files in
            var bytes = files[path] ?? []
            change(&bytes)
            files[path] = bytes
        }
    }
}
