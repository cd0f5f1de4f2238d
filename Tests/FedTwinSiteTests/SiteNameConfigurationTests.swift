import FedTwinSite
import Foundation
import Testing

/// Issue 10, rule 3: a site's configured name is held to the enrolment's safe set, so a
/// look-alike cannot enter through a site's configuration either.
@Suite struct SiteNameConfigurationTests {
    @Test(arguments: ["site-\u{0430}", "site\u{200D}a", "Site-A", "../a"])
    func aLookAlikeNameIsRefusedNamingTheKey(_ name: String) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedtwin-name-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("site.json").path
        let json = try JSONSerialization.data(withJSONObject: ["component": "noop", "coordinatorFingerprint": "0123456789abcdef", "name": name])
        try json.write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: SiteError.self) { try SiteConfiguration.load(from: path) }
        #expect(error?.description.hasPrefix("\(path): key 'name': character") == true, "\(error?.description ?? "no error")")
        var config = SiteConfiguration()
        config.coordinatorFingerprint = "0123456789abcdef"
        config.component = "noop"
        try config.validate()
        config.name = name
        #expect(throws: SiteError.self) { try config.validate() }
    }
}
