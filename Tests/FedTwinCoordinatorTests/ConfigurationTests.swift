import FedTwinCoordinator
import Foundation
import Testing

@Test func defaultsFillWhatTheFileLeavesOut() throws {
    let path = try ConfigurationFile.write(#"{"rounds": 7, "strategy": {"name": "fedadam", "settings": {"lr": 0.05}}, "training": {"epochs": 3}}"#)
    defer { try? FileManager.default.removeItem(atPath: path) }
    let config = try CoordinatorConfiguration.load(from: path)
    #expect(config.rounds == 7)
    #expect(config.strategy.name == "fedadam")
    #expect(config.training.epochs == 3)
    #expect(config.minSites == CoordinatorConfiguration().minSites)
}

@Test(arguments: [
    (#"{"rounds": "five"}"#, "rounds"),
    (#"{"roundz": 3}"#, "roundz"),
    (#"{"training": {"epochs": 0, "learningRate": 0.01, "batchSize": 8, "proximalMu": 0, "seed": 1}}"#, "training.epochs"),
    (#"{"minSites": 0}"#, "minSites"),
    (#"{"strategy": {"name": "fedsgd"}}"#, "strategy"),
    (#"{"updateEncoding": "int4"}"#, "updateEncoding"),
    (#"{"heartbeatSeconds": 10, "readTimeoutSeconds": 15}"#, "readTimeoutSeconds"),
    (#"{"port": 70000}"#, "port"),
    // Typos below the top level: refused with their path, never a silent default.
    (#"{"training": {"epoch": 3}}"#, "training.epoch"),
    (#"{"strategy": {"name": "fedavg", "combinr": "median"}}"#, "strategy.combinr"),
    (#"{"strategy": {"name": "fedadam", "settings": {"betta1": 0.8}}}"#, "strategy.settings.betta1"),
    (#"{"strategy": {"name": "fedavg", "settings": {"mu": 0.1}}}"#, "strategy.settings.mu"),
])
func configErrorsNameFileAndKey(text: String, key: String) throws {
    let path = try ConfigurationFile.write(text)
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
        _ = try CoordinatorConfiguration.load(from: path)
        Issue.record("config \(text) was accepted")
    } catch let error as ConfigurationError {
        #expect(error.file == path)
        #expect(error.key == key, "\(error)")
        #expect(error.description.contains(path) && error.description.contains(key))
    }
}

@Test func unreadableOrMalformedFilesAreNamed() throws {
    #expect(throws: ConfigurationError.self) { try CoordinatorConfiguration.load(from: "/nonexistent/coordinator.json") }
    let path = try ConfigurationFile.write("{ not json")
    defer { try? FileManager.default.removeItem(atPath: path) }
    do {
        _ = try CoordinatorConfiguration.load(from: path)
        Issue.record("malformed JSON accepted")
    } catch let error as ConfigurationError {
        #expect(error.key == nil)
        #expect(error.description.hasPrefix(path))
    }
}

@Test func theSettingsInForceArePrintedOneKeyPathALine() throws {
    let path = try ConfigurationFile.write(#"{"rounds": 7, "strategy": {"name": "fedadam", "settings": {"lr": 0.05}}, "training": {"epochs": 3}}"#)
    defer { try? FileManager.default.removeItem(atPath: path) }
    var config = try CoordinatorConfiguration.load(from: path)
    config.minSites = 4 // as a flag would
    let lines = try config.summaryLines()
    for expected in ["rounds: 7", "minSites: 4", "training.epochs: 3", "strategy.name: fedadam", "strategy.settings.lr: 0.05",
                     "insecure: false", "maxUpdateNorm: -", "port: 7450"] {
        #expect(lines.contains(expected), "\(expected) missing from \(lines)")
    }
    #expect(lines == lines.sorted())
}
