import Foundation
import Testing

/// Where the real executables are: next to the running test bundle (SwiftPM puts the test
/// binary and the products in the same build directory), else `<repo>/.build/debug`.
enum Binaries {
    static let names = ["fedtwin", "fedtwin-coordinator", "fedtwin-site"]

    static let directory: URL? = {
        var candidates: [URL] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
            candidates.append(dir)
            // A macOS-style .xctest bundle: Contents/MacOS/<binary>.
            for _ in 0..<3 {
                dir = dir.deletingLastPathComponent()
                candidates.append(dir)
            }
        }
        if let arg0 = CommandLine.arguments.first {
            candidates.append(URL(fileURLWithPath: arg0).deletingLastPathComponent())
        }
        // <repo>/Tests/FedTwinIntegrationTests/Support/Binaries.swift → <repo>
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(repo.appendingPathComponent(".build/debug"))
        return candidates.first { dir in
            names.allSatisfy { FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent($0).path) }
        }
    }()

    /// The path of one executable; records a clear failure if it was not built.
    static func path(_ name: String) throws -> String {
        guard let directory else {
            throw IntegrationError("""
                the executables \(names.joined(separator: ", ")) were not found next to the test binary \
                nor in <repo>/.build/debug: run `swift build` first (scripts/test.sh runs `swift build --build-tests`)
                """)
        }
        return directory.appendingPathComponent(name).path
    }
}

struct IntegrationError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
