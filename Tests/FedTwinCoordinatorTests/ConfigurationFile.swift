import FedTwinCoordinator
import Foundation
import Testing

/// Configuration files for tests: the coordinator reads its settings from a file a person
/// edits, so the tests go through a real file too.
enum ConfigurationFile {
    /// Writes `text` to a fresh temporary file and returns its path; the caller removes it.
    static func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("coordinator-\(UUID().uuidString).json").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Loads a configuration from `text` through a temporary file.
    static func load(_ text: String) throws -> CoordinatorConfiguration {
        let path = try write(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try CoordinatorConfiguration.load(from: path)
    }

    /// Expects `text` to be refused with a `ConfigurationError` naming `key`.
    static func expectRefused(_ text: String, key: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        do {
            _ = try load(text)
            Issue.record("config \(text) was accepted", sourceLocation: sourceLocation)
        } catch let error as ConfigurationError {
            #expect(error.key == key, "\(error)", sourceLocation: sourceLocation)
        }
    }
}
