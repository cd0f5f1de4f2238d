import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

/// A store with a coordinator key and enrolled sites in a workspace, plus helpers to start
/// the real coordinator and site executables against it and to read what they left.
struct Federation {
    let ws: Workspace
    let component: String
    /// A component spec file passed to `store init` and every site (`--component-spec`).
    var componentSpec: String? = nil
    /// Pinned by every site (short form, as `fedtwin keygen` prints it).
    let fingerprint: String
    let store: String
    let coordinatorKey: String

    /// Generates keys, creates the store and enrols `sites` (keys for `unenrolled` are made too).
    static func make(_ ws: Workspace, component: String = "noop", componentSpec: String? = nil, sites: [String],
                     unenrolled: [String] = []) async throws -> Federation {
        let out = try await ws.runOK("fedtwin", ["keygen", "--name", "coordinator", "--out", "keys"])
        guard let line = out.split(separator: "\n").first(where: { $0.hasPrefix("fingerprint:") }),
              let fp = line.split(separator: " ").dropFirst().first else {
            throw IntegrationError("no fingerprint in keygen output:\n\(out)")
        }
        for name in sites + unenrolled {
            try await ws.runOK("fedtwin", ["keygen", "--name", name, "--out", "keys"])
        }
        let federation = Federation(ws: ws, component: component, componentSpec: componentSpec, fingerprint: String(fp), store: "store",
                                    coordinatorKey: "keys/coordinator.key")
        try await ws.runOK("fedtwin", ["store", "init", "--store", "store", "--component", component, "--coordinator-key", "keys/coordinator.key"]
                           + (componentSpec.map { ["--component-spec", $0] } ?? []))
        for name in sites {
            try await federation.enroll(name)
        }
        return federation
    }

    func enroll(_ name: String) async throws {
        try await ws.runOK("fedtwin", ["enroll", "--store", store, "--name", name, "--key", "keys/\(name).pub", "--coordinator-key", coordinatorKey])
    }

    // MARK: processes

    /// Starts the coordinator on 127.0.0.1 with an ephemeral port and short heartbeats, and
    /// waits for it to write its port file.
    func startCoordinator(_ extra: [String], port: Int = 0, label: String = "coordinator") async throws -> (process: Spawned, port: Int) {
        let portFile = ws.path("\(label).port")
        try? FileManager.default.removeItem(atPath: portFile)
        let process = try ws.spawn("fedtwin-coordinator", [
            "--store", store, "--key", coordinatorKey, "--host", "127.0.0.1", "--port", String(port), "--port-file", portFile,
            "--heartbeat", "0.5", "--read-timeout", "3",
        ] + extra, label: label)
        let port: Int = try await eventually("the coordinator's port file", timeout: 15, context: { process.stderr }) {
            if !process.isRunning {
                throw IntegrationError("coordinator exited (\(process.status)) before listening:\n\(process.stderr)")
            }
            return (try? String(contentsOfFile: portFile, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        return (process, port)
    }

    /// Starts a site worker; `key` defaults to the site's own key.
    func startSite(_ name: String, port: Int, key: String? = nil, data: String? = nil, label: String? = nil) throws -> Spawned {
        var arguments = [
            "--name", name, "--key", key ?? "keys/\(name).key", "--component", component,
            "--coordinator", "127.0.0.1:\(port)", "--coordinator-fingerprint", fingerprint,
            "--log", sentLogPath(name), "--log-level", "info",
        ]
        if let data { arguments += ["--data", data] }
        if let componentSpec { arguments += ["--component-spec", componentSpec] }
        return try ws.spawn("fedtwin-site", arguments, label: label ?? name)
    }

    func sentLogPath(_ name: String) -> String { ws.path("\(name)-sent.log") }

    // MARK: the store, read back

    func audit() -> [AuditEntry] {
        guard let text = ws.read("\(store)/audit.log") else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode(AuditEntry.self, from: Data($0.utf8)) }
    }

    func auditEvents(_ event: String) -> [AuditEntry] { audit().filter { $0.event == event } }

    func manifest(_ version: Int) throws -> VersionManifest {
        let path = ws.path("\(store)/versions/\(String(format: "%06d", version)).json")
        guard let data = FileManager.default.contents(atPath: path) else { throw IntegrationError("no manifest for version \(version) at \(path)") }
        return try JSONDecoder().decode(VersionManifest.self, from: data)
    }

    /// SHA-256 of the manifest file: the version id.
    func versionID(_ version: Int) throws -> String {
        let path = ws.path("\(store)/versions/\(String(format: "%06d", version)).json")
        guard let data = FileManager.default.contents(atPath: path) else { throw IntegrationError("no manifest for version \(version)") }
        return SHA256.hex(Array(data))
    }

    func evaluation(_ version: Int) throws -> EvaluationRecord? {
        let path = ws.path("\(store)/versions/\(String(format: "%06d", version)).eval.json")
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try JSONDecoder().decode(EvaluationRecord.self, from: data)
    }

    /// `fedtwin models list --json`: the committed version numbers.
    func listedVersions() async throws -> [Int] {
        let out = try await ws.runOK("fedtwin", ["models", "list", "--store", store, "--json"])
        return try Self.versionNumbers(inListJSON: out)
    }

    static func versionNumbers(inListJSON text: String) throws -> [Int] {
        let json = try JSONSerialization.jsonObject(with: Data(text.utf8))
        let rows: [Any]
        if let array = json as? [Any] {
            rows = array
        } else if let object = json as? [String: Any], let array = object["versions"] as? [Any] {
            rows = array
        } else {
            throw IntegrationError("unexpected `models list --json` output:\n\(text)")
        }
        return rows.compactMap { ($0 as? [String: Any])?["version"] as? Int }
    }

    /// The site's sent-log entries (one JSON object per line).
    func sentLog(_ name: String) -> [[String: String]] {
        guard let text = try? String(contentsOfFile: sentLogPath(name), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { try? JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }
    }
}

extension Spawned {
    /// Number of times `needle` occurs in stderr so far.
    func stderrCount(_ needle: String) -> Int { stderr.components(separatedBy: needle).count - 1 }

    /// Whether the coordinator's progress shows `site`'s update for `round` as received
    /// ("[coordinator] round 2: sites reported 3/4 (site-c), ...").
    func reportedUpdate(round: Int, site: String) -> Bool {
        stderr.split(separator: "\n").contains { $0.contains("round \(round): sites reported ") && $0.contains("(\(site))") }
    }
}
