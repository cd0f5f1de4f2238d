import FedTwinRegistry
import FedTwinSite
import FedTwinWire
import Foundation
import TwinKit

/// The federated arm of `fedtwin experiment`: a real coordinator and one real site process
/// per site, talking TCP on 127.0.0.1, exactly as an operator would run them
/// (scripts/demo.sh): keys, store, enrolment, coordinator config, site workers.
struct ExperimentFederation {
    /// Directory holding `fedtwin`, `fedtwin-coordinator` and `fedtwin-site`.
    var bin: URL
    var work: URL
    /// (site name, data.json path).
    var sites: [(name: String, data: String)]
    var rounds: Int
    var epochs: Int
    var batchSize: Int
    var learningRate: Double
    var trainingSeed: UInt64
    var initialSeed: UInt64
    var updateEncoding: String
    var evaluate: Bool
    var timeoutSeconds: Double

    struct Outcome {
        /// Version 0: the initial parameters every arm starts from.
        var initial: ParameterSet
        /// The last committed version.
        var final: ParameterSet
        var version: Int
        var store: String
        var seconds: Double
        /// The sites' own evaluation of the final version (as recorded in the registry).
        var siteEvaluations: [String: [String: Double]]
    }

    var keys: URL { work.appendingPathComponent("keys") }

    /// Generates the coordinator and site keys once (through `fedtwin keygen`).
    func makeKeys() throws {
        guard !FileManager.default.fileExists(atPath: keys.appendingPathComponent("coordinator.key").path) else { return }
        for name in ["coordinator"] + sites.map(\.name) {
            try Self.runTool(bin.appendingPathComponent("fedtwin"), ["keygen", "--name", name, "--out", keys.path])
        }
    }

    /// Runs one federation of `componentID` to completion and reads its result from the store.
    /// With `specFile`, the store and the sites use that component spec (`--component-spec`);
    /// with `statisticsRound` too, its one-round statistics federation (`--component
    /// feature-statistics`), whose committed sum `fedtwin twin scale` turns into the
    /// consortium's scaling.
    func run(componentID: String, schema: ParameterSchema, specFile: String? = nil, statisticsRound: Bool = false) throws -> Outcome {
        let rounds = statisticsRound ? 1 : self.rounds
        let dir = work.appendingPathComponent(componentID)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let store = dir.appendingPathComponent("store").path
        let coordinatorKey = keys.appendingPathComponent("coordinator.key").path
        let fedtwin = bin.appendingPathComponent("fedtwin")
        var component = specFile.map { ["--component-spec", $0] } ?? ["--component", componentID]
        if statisticsRound { component += ["--component", componentID] }
        try Self.runTool(fedtwin, ["store", "init", "--store", store] + component +
                                  ["--coordinator-key", coordinatorKey, "--seed", "\(initialSeed)"])
        for site in sites {
            try Self.runTool(fedtwin, ["enroll", "--store", store, "--name", site.name,
                                       "--key", keys.appendingPathComponent("\(site.name).pub").path, "--coordinator-key", coordinatorKey])
        }
        let fingerprint = try KeyFile.readPrivateKey(at: coordinatorKey).publicKey.fingerprint.hex
        let portFile = dir.appendingPathComponent("coordinator.port")
        let config: [String: Any] = [
            "host": "127.0.0.1", "port": 0, "portFile": portFile.path, "store": store, "key": coordinatorKey,
            "strategy": ["name": "fedavg"], "rounds": rounds, "minSites": sites.count,
            "roundDeadlineSeconds": timeoutSeconds, "evaluationDeadlineSeconds": evaluate ? timeoutSeconds : 0,
            "training": ["epochs": epochs, "learningRate": learningRate, "batchSize": batchSize, "seed": trainingSeed],
            "updateEncoding": updateEncoding,
        ]
        let configURL = dir.appendingPathComponent("coordinator.json")
        try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]).write(to: configURL)

        let started = Date()
        var children: [(name: String, process: Process, log: URL)] = []
        defer {
            // Only the processes started here, by their Process objects.
            for child in children where child.process.isRunning { child.process.terminate() }
            for child in children { child.process.waitUntilExit() }
        }
        let coordinatorLog = dir.appendingPathComponent("coordinator.log")
        let coordinator = try Self.spawn(bin.appendingPathComponent("fedtwin-coordinator"), ["--config", configURL.path], log: coordinatorLog)
        children.append(("coordinator", coordinator, coordinatorLog))
        var port: Int?
        for _ in 0..<300 {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let p = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) {
                port = p
                break
            }
            guard coordinator.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        guard let port else { throw CLIError("coordinator did not start listening; see \(coordinatorLog.path):\n\(Self.tail(coordinatorLog))") }
        for site in sites {
            let log = dir.appendingPathComponent("\(site.name).log")
            let process = try Self.spawn(bin.appendingPathComponent("fedtwin-site"), [
                "--name", site.name, "--key", keys.appendingPathComponent("\(site.name).key").path, "--data", site.data,
            ] + component + [
                "--coordinator", "127.0.0.1:\(port)", "--coordinator-fingerprint", fingerprint,
                "--log", dir.appendingPathComponent("\(site.name)-sent.log").path,
            ], log: log)
            children.append((site.name, process, log))
        }
        // Wait for the coordinator; a site that fails meanwhile stops the experiment.
        let deadline = Date().addingTimeInterval(timeoutSeconds * Double(rounds + 1))
        while coordinator.isRunning {
            if Date() > deadline { throw CLIError("federation of \(componentID) did not finish in time; logs in \(dir.path)") }
            for child in children.dropFirst() where !child.process.isRunning && child.process.terminationStatus != 0 {
                throw CLIError("site \(child.name) exited with status \(child.process.terminationStatus); \(child.log.path):\n\(Self.tail(child.log))")
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        guard coordinator.terminationStatus == 0 else {
            throw CLIError("coordinator exited with status \(coordinator.terminationStatus); \(coordinatorLog.path):\n\(Self.tail(coordinatorLog))")
        }
        // Sites exit on the coordinator's "finished"; give them a moment.
        let siteDeadline = Date().addingTimeInterval(15)
        while children.dropFirst().contains(where: { $0.process.isRunning }), Date() < siteDeadline { Thread.sleep(forTimeInterval: 0.05) }
        let seconds = Date().timeIntervalSince(started)

        let registry = try Registry.open(path: store)
        let last = try registry.latestVersion()
        guard last.number == rounds else {
            throw CLIError("\(store): expected \(rounds) committed rounds, found version \(last.number); logs in \(dir.path)")
        }
        let initial = try ParameterSet(wire: registry.state(of: registry.version(0)).parameters, schema: schema)
        let final = try ParameterSet(wire: registry.state(of: last).parameters, schema: schema)
        var evaluations: [String: [String: Double]] = [:]
        for e in try registry.evaluations(version: last.number)?.evaluations ?? [] { evaluations[e.site] = e.metrics }
        return Outcome(initial: initial, final: final, version: last.number, store: store, seconds: seconds, siteEvaluations: evaluations)
    }

    /// Starts an executable with stdout and stderr going to `log`.
    static func spawn(_ executable: URL, _ arguments: [String], log: URL) throws -> Process {
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = handle
        process.standardError = handle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs a short tool to completion; throws with its output if it fails.
    static func runTool(_ executable: URL, _ arguments: [String]) throws {
        let pipe = Pipe()
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError("\(executable.lastPathComponent) \(arguments.joined(separator: " ")) failed (status \(process.terminationStatus)):\n\(String(decoding: output, as: UTF8.self))")
        }
    }

    /// Last lines of a log, for error messages.
    static func tail(_ url: URL, lines: Int = 15) -> String {
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }
}
