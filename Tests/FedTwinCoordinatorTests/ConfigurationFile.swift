import FedTwinCoordinator
import Foundation

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
}
