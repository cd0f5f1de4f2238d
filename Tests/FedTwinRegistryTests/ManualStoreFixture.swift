import FedTwinAggregation
import FedTwinRegistry
import FedTwinWire
import Foundation
import Testing

/// Writes an example store for trying the `fedtwin models` / `audit` commands by hand:
///
///     FEDTWIN_EXAMPLE_STORE=/tmp/ft swift test --scratch-path .build-registry \
///         --filter FedTwinRegistryTests.writeExampleStore
///
/// gives /tmp/ft/store (3 sites, 3 rounds; strategy from FEDTWIN_EXAMPLE_STRATEGY,
/// default fedavg) and /tmp/ft/keys (coordinator.key, site-*.pub, and site-d.key/.pub not
/// yet enrolled). Skipped unless the variable is set.
@Test(.enabled(if: ProcessInfo.processInfo.environment["FEDTWIN_EXAMPLE_STORE"] != nil))
func writeExampleStore() throws {
    let root = try #require(ProcessInfo.processInfo.environment["FEDTWIN_EXAMPLE_STORE"])
    let strategy = ProcessInfo.processInfo.environment["FEDTWIN_EXAMPLE_STRATEGY"] ?? "fedavg"
    try? FileManager.default.removeItem(atPath: root)
    try FileManager.default.createDirectory(atPath: root + "/keys", withIntermediateDirectories: true)
    let settings: [String: Double] = strategy == "fedadam" ? ["lr": 0.05] : [:]
    let store = try TestStore(storage: FileStorage(root: root + "/store"), strategy: StrategyConfig(name: strategy, settings: settings), rounds: 3)
    try KeyFile.writePrivateKey(store.coordinator, to: root + "/keys/coordinator.key")
    try KeyFile.writePublicKey(store.coordinator.publicKey, to: root + "/keys/coordinator.pub")
    for site in store.sites { try KeyFile.writePublicKey(site.key.publicKey, to: root + "/keys/\(site.name).pub") }
    let extra = try SigningKey.generate()
    try KeyFile.writePrivateKey(extra, to: root + "/keys/site-d.key")
    try KeyFile.writePublicKey(extra.publicKey, to: root + "/keys/site-d.pub")
}
