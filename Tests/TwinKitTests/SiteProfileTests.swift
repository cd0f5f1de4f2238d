import Foundation
import Testing
@testable import TwinKit

@Suite("Site profiles and simulation")
struct SiteProfileTests {
    static let sitesDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sites")

    static func profile(_ name: String) throws -> SiteProfile {
        try SiteProfile.load(from: sitesDirectory.appendingPathComponent(name).appendingPathComponent("profile.json"))
    }

    /// A cheap version of a profile for debug-build tests.
    static func small(_ p: SiteProfile, batches: Int = 3) -> SiteProfile {
        var q = p
        q.batchCount = batches
        q.operating.duration = 60
        q.logging.onlineInterval = 0.5
        return q
    }

    @Test("default sites load and are deliberately non-IID; site-c lies outside a and b")
    func defaults() throws {
        let a = try Self.profile("site-a"), b = try Self.profile("site-b"), c = try Self.profile("site-c")
        #expect([a.name, b.name, c.name] == ["site-a", "site-b", "site-c"])
        #expect(Set([a.seed, b.seed, c.seed]).count == 3)
        let hottestOther = max(a.operating.temperature.high, b.operating.temperature.high)
        #expect(c.operating.temperature.low > hottestOther)
        #expect(c.operating.pH.low > max(a.operating.pH.high, b.operating.pH.high))
        #expect(c.operating.feedRate.low > max(a.operating.feedRate.high, b.operating.feedRate.high))
        #expect(a.strain != b.strain && b.strain != c.strain)
        // Round trip through JSON keeps every field.
        #expect(try JSONDecoder().decode(SiteProfile.self, from: a.jsonData()) == a)
        // Each committed data.json maps the simulator's columns and seeds the split.
        for (name, p) in [("site-a", a), ("site-b", b), ("site-c", c)] {
            let config = try SiteDataConfig.load(from: Self.sitesDirectory.appendingPathComponent(name).appendingPathComponent("data.json"))
            #expect(config.mapping == .simulatorDefault)
            #expect(config.csv == "batches.csv" && config.splitSeed == p.seed + 1)
        }
    }

    @Test("default sites a-c run strains far from the literature prior (issue 12 scenario, docs/data.md)")
    func defaultStrainsAreFarFromThePrior() throws {
        for name in ["site-a", "site-b", "site-c"] {
            let m = try Self.profile(name).strain
            // Growth or production at least ×1.8 or ÷1.8 off the prior on every site.
            #expect(max(abs(Foundation.log(m.growth)), abs(Foundation.log(m.production))) >= Foundation.log(1.8) - 1e-12, "\(name): \(m)")
            for (knob, v) in [("hydrolysis", m.hydrolysis), ("maintenance", m.maintenance), ("biomassYield", m.biomassYield),
                              ("productYield", m.productYield)] {
                #expect(v != 1, "\(name).\(knob) is still the prior")
            }
            // The nominal kinetics are clearly wrong at a typical fed-phase state.
            let truth = PenicillinKinetics.nominal.applying(m), prior = PenicillinKinetics.nominal
            let (r, q) = (truth.rates(biomass: 10, substrate: 0.05, temperature: 25, pH: 5),
                          prior.rates(biomass: 10, substrate: 0.05, temperature: 25, pH: 5))
            #expect(max(abs(Foundation.log(r.growth / q.growth)), abs(Foundation.log(r.production / q.production))) > Foundation.log(1.5), "\(name)")
        }
    }

    @Test("a strain written before a multiplier existed reads with that multiplier at 1; productYield applies")
    func missingMultipliersReadAsOne() throws {
        let old = #"{"growth": 1.2, "saturation": 1.0, "production": 0.9, "inhibition": 1.0, "hydrolysis": 1.1, "maintenance": 1.0, "biomassYield": 0.95}"#
        let m = try JSONDecoder().decode(KineticMultipliers.self, from: Data(old.utf8))
        #expect(m == KineticMultipliers(growth: 1.2, production: 0.9, hydrolysis: 1.1, biomassYield: 0.95, productYield: 1))
        #expect(try JSONDecoder().decode(KineticMultipliers.self, from: Data("{}".utf8)) == .nominal)
        // A whole profile of the old format (site-d keeps its pre-issue-12 strain keys) loads.
        #expect(try Self.profile("site-d").strain.productYield == 1)
        #expect(PenicillinKinetics.nominal.applying(KineticMultipliers(productYield: 0.5)).productYield == PenicillinKinetics.nominal.productYield * 0.5)
        var p = try Self.profile("site-a")
        p.strain.productYield = 0
        #expect(throws: SiteProfileError(field: "strain.productYield", reason: "multiplier must be in (0, 10)")) { try p.validate() }
    }

    @Test("a data.json or profile.json that repeats a key is refused (issue 10: no silent first-value-wins)")
    func duplicateKeysAreRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dup-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = try String(contentsOf: Self.sitesDirectory.appendingPathComponent("site-a/data.json"), encoding: .utf8)
        let profile = try String(contentsOf: Self.sitesDirectory.appendingPathComponent("site-a/profile.json"), encoding: .utf8)
        for (name, text) in [("data.json", data), ("profile.json", profile)] {
            let url = directory.appendingPathComponent(name)
            // The first key of the top-level object, written twice.
            let duplicated = text.replacingOccurrences(of: "{", with: "{\"seed\": 1, \"seed\": 2,", options: [], range: text.range(of: "{"))
            try duplicated.write(to: url, atomically: true, encoding: .utf8)
            let error = #expect(throws: (any Error).self) {
                if name == "data.json" { _ = try SiteDataConfig.load(from: url) } else { _ = try SiteProfile.load(from: url) }
            }
            #expect("\(error.map { "\($0)" } ?? "")".contains("duplicate JSON key 'seed'"), "\(name): \(String(describing: error))")
        }
    }

    @Test("simulation is deterministic per batch, sparse offline, noisy and biased per site")
    func simulation() throws {
        let p = Self.small(try Self.profile("site-b"))
        let runs = p.simulate()
        let again = p.simulate()
        #expect(runs.map(\.record) == again.map(\.record))
        // Batch 2 alone equals batch 2 of the full run (per-batch sub-streams).
        #expect(p.simulateTruth(2) == runs[2].truth)
        let (truth, record) = runs[0]
        #expect(record.batchID == "site-b-B001")
        let assays = record.biomass.compactMap { $0 }.count
        #expect(assays == 60 / 8 + 2) // every 8 h from 0, plus the final row
        #expect(record.biomass.filter { $0 == nil }.count == record.rowCount - assays)
        // Temperature probe bias shows up in the mean logged-minus-true difference.
        let diffs = zip(record.temperature, truth.inputs).map { $0.0! - $0.1.temperature }
        let meanDiff = diffs.reduce(0, +) / Double(diffs.count)
        #expect(abs(meanDiff - p.sensors.temperatureBias) < 0.02)
        // Assay noise is present but a few percent.
        let last = record.rowCount - 1
        let rel = abs(record.biomass[last]! - truth.states[last].biomass) / truth.states[last].biomass
        #expect(rel > 0 && rel < 0.2)
    }

    @Test("simulated data round-trips through CSV + data.json and splits reproducibly")
    func writeAndLoad() throws {
        let p = Self.small(try Self.profile("site-c"), batches: 4)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("twinkit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let written = try SiteDataset.writeSimulated(p, to: dir, heldOutFraction: 0.25, splitSeed: 5, writeTruth: true)
        let truth = try #require(try SiteDataset.loadTruth(configURL: dir.appendingPathComponent("data.json")))
        #expect(truth.map(\.batchID) == written.map(\.batchID))
        // Truth has assays at the same rows, without noise: it equals the simulated state.
        let exact = p.simulateTruth(0)
        let last = exact.states.count - 1
        #expect(abs(truth[0].product[last]! - exact.states[last].product) < 1e-6 * max(1, exact.states[last].product))
        #expect(truth[0].biomass.map { $0 == nil } == written[0].biomass.map { $0 == nil })
        let loaded = try SiteDataset.load(configURL: dir.appendingPathComponent("data.json"))
        #expect(loaded.training.count == 3 && loaded.heldOut.count == 1)
        let byID = Dictionary(uniqueKeysWithValues: written.map { ($0.batchID, $0) })
        let back = loaded.heldOut[0]
        let original = byID[back.batchID]!
        #expect(back.rowCount == original.rowCount)
        for (x, y) in zip(back.product, original.product) {
            #expect((x == nil) == (y == nil))
            if let x, let y { #expect(abs(x - y) <= 1e-6 * max(1, abs(y))) }
        }
        #expect(try back.initialState().volume > 90)
    }
}
