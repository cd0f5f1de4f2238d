import FedTwinRegistry
import Foundation
import Testing

/// The operations.md recipe for a damaged audit log, with the real executables: the
/// coordinator pauses instead of exiting, `fedtwin audit verify` names the line,
/// `fedtwin audit quarantine` moves it aside, and the coordinator resumes and finishes.
@Suite("Store recovery (real executables)", .serialized)
struct StoreRecoveryTests {
    @Test("A garbage line in audit.log pauses the coordinator; `fedtwin audit quarantine` lets it resume", .timeLimit(.minutes(1)))
    func aDamagedAuditLogIsQuarantinedWhileTheCoordinatorWaits() async throws {
        let ws = try Workspace("audit-quarantine")
        defer { ws.cleanup() }
        let sites = ["site-a", "site-b"]
        let fed = try await Federation.make(ws, sites: sites)
        let auditPath = ws.path("\(fed.store)/audit.log")
        let lines = try String(contentsOfFile: auditPath, encoding: .utf8).split(separator: "\n").count
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: auditPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("garbage line\n".utf8))
        try handle.close()

        let verify = try await ws.run("fedtwin", ["audit", "verify", "--store", fed.store])
        #expect(verify.status == 1)
        #expect(verify.stdout.contains("damaged tail: line \(lines + 1) of audit.log"), "\(verify)")
        #expect(verify.stdout.contains("fedtwin audit quarantine"), "\(verify)")

        let (coordinator, port) = try await fed.startCoordinator(["--rounds", "1", "--min-sites", "2", "--round-deadline", "20", "--evaluation-deadline", "10"])
        for site in sites { _ = try fed.startSite(site, port: port) }
        try await eventually("the coordinator to pause", timeout: 20, context: { coordinator.stderr }) {
            coordinator.stderr.contains("PAUSED: cannot reconcile the store")
        }
        #expect(coordinator.isRunning, "the coordinator must wait, not exit:\n\(coordinator.stderr)")
        #expect(coordinator.stderr.contains("fedtwin audit quarantine --store \(fed.store)"), "\(coordinator.stderr)")

        let quarantine = try await ws.runOK("fedtwin", ["audit", "quarantine", "--store", fed.store, "--coordinator-key", fed.coordinatorKey])
        #expect(quarantine.contains("moved line \(lines + 1)"), "\(quarantine)")
        try await coordinator.waitForExit(timeout: 30)
        #expect(coordinator.status == 0, "\(coordinator.stderr)")
        #expect(coordinator.stderr.contains("resumed: reconcile the store"), "\(coordinator.stderr)")
        #expect(try await fed.listedVersions() == [0, 1])
        let quarantined = try FileManager.default.contentsOfDirectory(atPath: ws.path("\(fed.store)/quarantine"))
        #expect(quarantined.count == 1)
        #expect(ws.read("\(fed.store)/quarantine/\(quarantined.first ?? "")") == "garbage line\n")
        let auditVerify = try await ws.run("fedtwin", ["audit", "verify", "--store", fed.store])
        #expect(auditVerify.status == 0, "\(auditVerify)")
        let modelsVerify = try await ws.run("fedtwin", ["models", "verify", "--all", "--replay", "--store", fed.store])
        #expect(modelsVerify.status == 0, "\(modelsVerify)")
    }
}
