import Foundation
import Testing

/// Issue 14 §4 end to end with the real executables: a federated MSPC monitor trained by a
/// real coordinator, approved and released by two persons, exported as a package, fetched
/// by a site and used offline by `fedtwin monitor` and `fedtwin twin evaluate`.
@Suite("Sites use what is released (real executables)", .serialized)
struct SiteFetchTests {
    @Test("fetch refuses an approved-only or tampered package, installs a released one; monitor and evaluate use it and name it; monitor refuses an unreleased stored version",
          .timeLimit(.minutes(3)))
    func fetchAndUseARelease() async throws {
        let ws = try Workspace("site-fetch")
        defer { ws.cleanup() }
        let sites = ["site-a", "site-b"]
        let fed = try await Federation.make(ws, component: "mspc-monitor", sites: sites)
        let data = try await fed.simulate(sites, batchCount: 12)
        let key = ["--coordinator-key", fed.coordinatorKey]
        var pins: [String] = []
        for (name, role, printed) in [("qa-anna", "qa", "Anna Example"), ("po-ben", "process-owner", "Ben Example")] {
            try "\(name)-passphrase\n".write(toFile: ws.path("\(name).pass"), atomically: true, encoding: .utf8)
            let out = try await ws.runOK("fedtwin", ["person", "enroll", "--store", fed.store, "--name", name, "--printed-name", printed, "--role", role,
                                                     "--key-out", "\(name).key", "--passphrase-file", "\(name).pass"] + key)
            let short = try #require(out.split(separator: " ").firstIndex(of: "key").map { out.split(separator: " ")[$0 + 1] })
            pins += ["--signer", "\(name)=\(short)"]
        }
        try #"{"intendedUse": "CPV monitoring, fed-batch", "minimumSites": 2, "thresholds": [{"metric": "reference_batches", "atLeast": 1}], "baselineBounds": []}"#
            .write(toFile: ws.path("plan.json"), atomically: true, encoding: .utf8)
        _ = try await ws.runOK("fedtwin", ["plan", "set", "--store", fed.store, "--file", "plan.json", "--as", "qa-anna.key", "--passphrase-file", "qa-anna.pass"] + key)
        let (coordinator, port) = try await fed.startCoordinator(["--rounds", "1", "--min-sites", "2", "--round-deadline", "120", "--evaluation-deadline", "120"])
        for site in sites { _ = try fed.startSite(site, port: port, data: data[site]) }
        try await coordinator.waitForExit(timeout: 150)
        #expect(coordinator.status == 0, "coordinator failed:\n\(coordinator.stderr)")

        let csv = ["data/site-a/batches.csv", "--data-config", "data/site-a/data.json"]
        // Validated, not released: monitor refuses it unless told otherwise, and says which state.
        let refused = try await ws.run("fedtwin", ["monitor", "--store", fed.store, "--version", "1"] + csv)
        #expect(refused.status != 0 && refused.stderr.contains("version 1 is validated, not released"), "\(refused)")
        let allowed = try await ws.runOK("fedtwin", ["monitor", "--store", fed.store, "--version", "1", "--allow-unreleased"] + csv)
        #expect(allowed.contains("monitor: version 1 (") && allowed.contains(", validated, of store"), "\(allowed)")

        // Approved only: a package that verifies, but no release for the site.
        _ = try await ws.runOK("fedtwin", ["models", "approve", "1", "--store", fed.store, "--as", "qa-anna.key", "--passphrase-file", "qa-anna.pass"] + key)
        _ = try await ws.runOK("fedtwin", ["models", "export", "1", "--store", fed.store, "--format", "package", "--out", "approved-pkg"] + key)
        let fetch = ["fetch", "--channel", "production", "--coordinator-fingerprint", fed.fingerprint, "--releases", "releases"] + pins
        let notReleased = try await ws.run("fedtwin-site", fetch + ["--package", "approved-pkg"])
        #expect(notReleased.status == 1 && notReleased.stdout.contains("version 1 is approved by its signature records, not released in production"), "\(notReleased)")
        #expect(!FileManager.default.fileExists(atPath: ws.path("releases/mspc-monitor/production")))

        _ = try await ws.runOK("fedtwin", ["models", "release", "1", "--store", fed.store, "--as", "po-ben.key", "--passphrase-file", "po-ben.pass"] + key)
        _ = try await ws.runOK("fedtwin", ["models", "export", "1", "--store", fed.store, "--format", "package", "--out", "pkg"] + key)
        // The store is the coordinator's: the site has only the package.
        try FileManager.default.moveItem(atPath: ws.path(fed.store), toPath: ws.path("store-away"))

        // One byte of the release signature record changed: refused, the file named.
        try FileManager.default.copyItem(atPath: ws.path("pkg"), toPath: ws.path("bad-pkg"))
        let records = try FileManager.default.contentsOfDirectory(atPath: ws.path("bad-pkg/store/signatures")).sorted()
        let release = try #require(records.last { $0.hasSuffix(".json") })
        var text = try #require(ws.read("bad-pkg/store/signatures/\(release)"))
        text = text.replacingOccurrences(of: "Ben Example", with: "Ben Exampel")
        try text.write(toFile: ws.path("bad-pkg/store/signatures/\(release)"), atomically: true, encoding: .utf8)
        let tampered = try await ws.run("fedtwin-site", fetch + ["--package", "bad-pkg"])
        #expect(tampered.status == 1 && tampered.stdout.contains("✗ file store/signatures/\(release): content changed"), "\(tampered)")
        // Another key pinned for the releaser: refused.
        let wrongPins = Array(fetch.dropLast(2)) + ["--signer", "po-ben=0123456789abcdef"]
        #expect(fetch.suffix(1).first?.hasPrefix("po-ben=") == true)
        let wrong = try await ws.run("fedtwin-site", wrongPins + ["--package", "pkg"])
        #expect(wrong.status == 1 && wrong.stdout.contains("not the pinned 0123456789abcdef"), "\(wrong)")

        let ok = try await ws.runOK("fedtwin-site", fetch + ["--package", "pkg"])
        #expect(ok.contains("installed: version 1 (") && ok.contains("released (production), in releases/mspc-monitor/production"), "\(ok)")
        #expect(ok.contains("✓ release signers: approved by Anna Example") && ok.contains("pinned keys"), "\(ok)")

        let monitored = try await ws.runOK("fedtwin", ["monitor", "--release", "releases/mspc-monitor/production"] + csv)
        #expect(monitored.contains("monitor: version 1 (") && monitored.contains(", released (production), of releases/mspc-monitor/production"), "\(monitored)")
        let evaluated = try await ws.runOK("fedtwin", ["twin", "evaluate", "--release", "releases/mspc-monitor/production", "--data", "data/site-a/data.json", "--all"])
        #expect(evaluated.contains("using version 1 (") && evaluated.contains("released (production)"), "\(evaluated)")

        // A changed byte on the site's disk after the fetch: refused at use.
        let card = ws.path("releases/mspc-monitor/production/MODEL-CARD.md")
        try ((try #require(ws.read("releases/mspc-monitor/production/MODEL-CARD.md"))) + " ").write(toFile: card, atomically: true, encoding: .utf8)
        let changed = try await ws.run("fedtwin", ["monitor", "--release", "releases/mspc-monitor/production"] + csv)
        #expect(changed.status != 0 && changed.stderr.contains("no longer verifies") && changed.stderr.contains("MODEL-CARD.md"), "\(changed)")
    }
}
