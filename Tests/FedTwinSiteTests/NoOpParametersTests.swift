import FedTwinSite
import Foundation
import Testing
import TwinKit

/// The noop benchmark component takes a parameter count (`--params`), so rounds of any size
/// can be measured; any other component refuses one.
@Suite struct NoOpParametersTests {
    @Test func theCountSizesTheSchemaAndTheInitialParameters() throws {
        let component = try ComponentCatalog.component("noop", parameters: 1234)
        #expect(component.schema.totalCount == 1234)
        #expect(component.initialParameters(seed: 1).tensors.map(\.values.count) == [1234])
        #expect(try ComponentCatalog.component("noop").schema.totalCount == NoOpComponent.defaultParameterCount)
    }

    /// The key the refusal names, or nil when `body` does not throw a configuration error.
    func refusedKey(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch let error as SiteError {
            guard case .configuration(_, let key, _) = error.problem else { return nil }
            return key
        } catch {
            return nil
        }
    }

    @Test func aCountIsRefusedForOtherComponentsAndOutsideTheRange() {
        #expect(refusedKey { _ = try ComponentCatalog.component("hybrid-bioreactor", parameters: 10) } == "params")
        #expect(refusedKey { _ = try ComponentCatalog.component("noop", parameters: 0) } == "params")
        #expect(refusedKey { _ = try ComponentCatalog.component("noop", parameters: (1 << 31) + 1) } == "params")
    }

    @Test func theSiteConfigurationCarriesTheCountAndChecksIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedtwin-params-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("site.json").path
        try Data(#"{"component": "noop", "coordinatorFingerprint": "0123456789abcdef", "params": 4096}"#.utf8).write(to: URL(fileURLWithPath: path))
        #expect(try SiteConfiguration.load(from: path).params == 4096)
        try Data(#"{"component": "hybrid-bioreactor", "data": "d.json", "coordinatorFingerprint": "0123456789abcdef", "params": 4096}"#.utf8)
            .write(to: URL(fileURLWithPath: path))
        #expect(refusedKey { _ = try SiteConfiguration.load(from: path) } == "params")
        var config = SiteConfiguration()
        config.coordinatorFingerprint = "0123456789abcdef"
        config.component = "noop"
        config.params = -5
        #expect(refusedKey { try config.validate() } == "params")
    }
}
