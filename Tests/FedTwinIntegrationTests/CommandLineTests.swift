import FedTwinWire
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// What the executables tell an operator before any federation runs.
@Suite("Command lines (real executables)")
struct CommandLineTests {
    @Test("--version prints the one version string on all three executables; --help shows defaults")
    func versionAndHelp() async throws {
        let ws = try Workspace("command-lines")
        defer { ws.cleanup() }
        for tool in ["fedtwin", "fedtwin-coordinator", "fedtwin-site"] {
            let version = try await ws.runOK(tool, ["--version"])
            #expect(version.trimmingCharacters(in: .whitespacesAndNewlines) == FedTwinVersion.number, "\(tool): \(version)")
        }
        // Help text is wrapped to the terminal: compare with runs of white space made one space.
        func help(_ tool: String) async throws -> String {
            try await ws.runOK(tool, ["--help"]).split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        #expect(try await help("fedtwin-coordinator").contains("TCP port (0 = pick a free one; see --port-file) (default: 7450)"))
        #expect(try await help("fedtwin-site").contains("Coordinator address, HOST:PORT (default: 127.0.0.1:7450)"))
    }

    @Test("a port in use: the coordinator exits non-zero naming the address and the OS error", .timeLimit(.minutes(1)))
    func portInUse() async throws {
        let ws = try Workspace("port-in-use")
        defer { ws.cleanup() }
        _ = try await ws.runOK("fedtwin", ["keygen", "--name", "coordinator", "--out", "keys"])
        _ = try await ws.runOK("fedtwin", ["store", "init", "--store", "store", "--component", "noop", "--coordinator-key", "keys/coordinator.key"])
        // Hold a port with a listening socket of our own.
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(bound == 0 && listen(socket, 1) == 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))

        let result = try await ws.run("fedtwin-coordinator", ["--store", "store", "--key", "keys/coordinator.key", "--port", String(port)], timeout: 20)
        #expect(result.status != 0)
        #expect(result.stderr.contains("cannot listen on 127.0.0.1:\(port)"), "\(result)")
        #expect(result.stderr.contains("Address already in use"), "\(result)")
        #expect(!result.stderr.contains("waiting for quorum"), "\(result)")
    }
}
