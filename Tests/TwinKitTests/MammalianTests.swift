import Foundation
import Testing
@testable import TwinKit

/// The mammalian (CHO-type) simulator: balances, kinetics' literature directions,
/// determinism, and its files read back through an ordinary data config (issue 12).
@Suite("Mammalian fed-batch simulator")
struct MammalianTests {
    static func profile(_ name: String) throws -> MammalianProfile {
        try MammalianProfile.load(from: SiteProfileTests.sitesDirectory.appendingPathComponent(name).appendingPathComponent("profile.json"))
    }

    /// A cheap version of a profile for debug-build tests.
    static func small(_ p: MammalianProfile, batches: Int = 3) -> MammalianProfile {
        var q = p
        q.batchCount = batches
        q.operating.duration = 120
        q.operating.feedStart = ValueRange(48, 60)
        return q
    }

    static func integrate(_ y0: CellCultureState, hours: Double, _ f: (SIMD8<Double>) -> SIMD8<Double>) -> CellCultureState {
        let r = DormandPrince45(relativeTolerance: 1e-10, absoluteTolerance: 1e-12, maxStep: 1).integrate(from: 0, to: hours, y0.vector) { _, y in f(y) }
        return CellCultureState(r.state)
    }

    static let start = CellCultureState(viableCells: 2, glucose: 5, glutamine: 0.6, lactate: 1, ammonia: 0.05, titre: 0.3, volume: 5)

    @Test("with no reaction, every substance's mass changes only by what the feed brings; withdrawal keeps concentrations")
    func balancesCloseWithoutReaction() {
        let balance = CellCultureBalance(glutamineDecomposition: 0)
        let (f, glcF, glnF) = (0.01, 150.0, 15.0)
        let fed = CellCultureInputs(feedRate: f, glucoseInflow: f * glcF, glutamineInflow: f * glnF, withdrawalRate: 0,
                                    temperature: 37, pH: 7, dissolvedOxygen: 40)
        let t = 100.0
        let end = Self.integrate(Self.start, hours: t) { balance.derivative($0, rates: .none, inputs: fed) }
        let s = Self.start
        #expect(abs(end.volume - (s.volume + f * t)) < 1e-9)
        func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-8 * max(1, abs(b)) }
        #expect(close(end.viableCells * end.volume, s.viableCells * s.volume))
        #expect(close(end.glucose * end.volume, s.glucose * s.volume + f * glcF * t))
        #expect(close(end.glutamine * end.volume, s.glutamine * s.volume + f * glnF * t))
        #expect(close(end.lactate * end.volume, s.lactate * s.volume))
        #expect(close(end.ammonia * end.volume, s.ammonia * s.volume))
        #expect(close(end.titre * end.volume, s.titre * s.volume))

        let sampled = CellCultureInputs(feedRate: 0, glucoseInflow: 0, glutamineInflow: 0, withdrawalRate: 0.01,
                                        temperature: 37, pH: 7, dissolvedOxygen: 40)
        let after = Self.integrate(s, hours: t) { balance.derivative($0, rates: .none, inputs: sampled) }
        #expect(abs(after.volume - (s.volume - 0.01 * t)) < 1e-9)
        for (x, y) in [(after.viableCells, s.viableCells), (after.glucose, s.glucose), (after.titre, s.titre), (after.lactate, s.lactate)] {
            #expect(close(x, y))
        }
    }

    @Test("glutamine decomposing in the medium conserves nitrogen: one ammonia per glutamine")
    func decompositionConservesNitrogen() {
        let balance = CellCultureBalance(glutamineDecomposition: CellCultureKinetics.nominal.glutamineDecomposition)
        let closed = CellCultureInputs(feedRate: 0, glucoseInflow: 0, glutamineInflow: 0, withdrawalRate: 0,
                                       temperature: 37, pH: 7, dissolvedOxygen: 40)
        let end = Self.integrate(Self.start, hours: 200) { balance.derivative($0, rates: .none, inputs: closed) }
        let nitrogen = { (s: CellCultureState) in
            s.glutamine / CellCultureKinetics.glutamineMolarMass + s.ammonia / CellCultureKinetics.ammoniaMolarMass
        }
        #expect(abs(nitrogen(end) - nitrogen(Self.start)) < 1e-10)
        #expect(end.glutamine < 0.5 * Self.start.glutamine) // k_deg ≈ 0.1/d: most is gone after 200 h
    }

    @Test("kinetics follow the literature's directions: hypothermia slows growth and raises productivity; growth peaks near pH 7; lactate is consumed once growth stops")
    func kineticDirections() {
        let k = CellCultureKinetics.nominal
        let s = CellCultureState(viableCells: 5, glucose: 5, glutamine: 0.5, lactate: 1, ammonia: 0.05, titre: 1, volume: 5)
        let warm = k.rates(s, temperature: 37, pH: 7), cool = k.rates(s, temperature: 33, pH: 7)
        #expect(cool.growth < 0.8 * warm.growth && cool.productivity > 1.2 * warm.productivity)
        #expect(cool.glucoseUptake < warm.glucoseUptake)
        #expect(k.rates(s, temperature: 37, pH: 6.6).growth < warm.growth && k.rates(s, temperature: 37, pH: 7.4).growth < warm.growth)
        #expect(warm.growth > 0.9 * k.maxGrowth * 0.5 && warm.growth < k.maxGrowth)
        // No glutamine: no growth; high lactate and ammonia: death.
        var starved = s
        starved.glutamine = 0
        #expect(k.rates(starved, temperature: 37, pH: 7).growth == 0)
        var late = s
        late.lactate = 4
        late.ammonia = 0.3
        late.glucose = 0.05
        let r = k.rates(late, temperature: 37, pH: 7)
        #expect(r.death > 0.2 * k.maxDeath)
        #expect(r.lactateProduction < 0, "lactate shift: \(r)")
        #expect(warm.lactateProduction > 0)
        // Cell-line multipliers act on what they name.
        let line = k.applying(CellLineMultipliers(growth: 2, productivity: 0.5))
        #expect(abs(line.rates(s, temperature: 37, pH: 7).growth - 2 * warm.growth) < 1e-12)
        #expect(abs(line.rates(s, temperature: 37, pH: 7).productivity - 0.5 * warm.productivity) < 1e-12)
    }

    @Test("a simulated culture grows, consumes glucose and glutamine and makes titre; assays are daily and noisy")
    func simulatedCulture() throws {
        let p = Self.small(try Self.profile("cho-a"), batches: 1)
        let (truth, record) = try #require(try p.simulate().first)
        let first = truth.states[0], last = truth.states.last!
        #expect(last.viableCells > 3 * first.viableCells)
        #expect(last.titre > 0.1)
        #expect(last.lactate > first.lactate && last.ammonia > first.ammonia)
        #expect(last.volume < first.volume + 1 && last.volume > first.volume - 0.2)
        let cells = try #require(record.variables["viable-cells"])
        let assays = cells.compactMap { $0 }.count
        #expect(assays == 120 / 24 + 1)
        let i = try #require(cells.lastIndex { $0 != nil })
        let rel = abs(cells[i]! - truth.states[i].viableCells) / truth.states[i].viableCells
        #expect(rel > 0 && rel < 0.3)
        #expect(record.feeds.count == 1 && record.feeds[0].substances.keys.sorted() == ["glucose", "glutamine"])
        #expect(record.withdrawals[0].compactMap { $0 }.reduce(0, +) * p.logging.onlineInterval
                == Double(assays - 1) * p.logging.sampleVolume)
    }

    @Test("simulation is deterministic by seed and per batch; another seed gives other batches")
    func determinism() throws {
        let p = Self.small(try Self.profile("cho-b"))
        let runs = try p.simulate(), again = try p.simulate()
        #expect(runs.map(\.record) == again.map(\.record))
        #expect(try p.simulateTruth(2) == runs[2].truth)
        var q = p
        q.seed += 1
        #expect(try q.simulate()[0].record != runs[0].record)
        #expect(runs[0].record.batchID == "cho-b-B001")
    }

    @Test("the simulated files read back through the data config equal what the simulator produced")
    func filesReadBackThroughTheDataConfig() throws {
        let p = Self.small(try Self.profile("cho-c"), batches: 4)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cho-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let written = try SimulatorProfile.mammalian(p).writeSimulated(to: dir, heldOutFraction: 0.25, splitSeed: 5, writeTruth: true)
        let loaded = try SiteDataset.load(configURL: dir.appendingPathComponent("data.json"))
        #expect(loaded.training.count == 3 && loaded.heldOut.count == 1 && loaded.warnings.isEmpty)
        let byID = Dictionary(uniqueKeysWithValues: loaded.all.map { ($0.batchID, $0) })
        func same(_ a: [Double?]?, _ b: [Double?]?, _ what: String, _ id: String) {
            guard let a, let b, a.count == b.count else { Issue.record("\(id) \(what): \(String(describing: a?.count)) vs \(String(describing: b?.count)) rows"); return }
            for (x, y) in zip(a, b) {
                #expect((x == nil) == (y == nil), "\(id) \(what)")
                if let x, let y, abs(x - y) > 1e-6 * max(1e-3, abs(y)) { Issue.record("\(id) \(what): read \(x), wrote \(y)"); return }
            }
        }
        for w in written {
            let r = try #require(byID[w.batchID])
            same(r.time, w.time, "time", w.batchID)
            for name in ["viable-cells", "glucose", "glutamine", "lactate", "ammonia", "titre", "volume", "temperature", "pH", "dissolved_oxygen"] {
                same(r.series(named: name), w.series(named: name), name, w.batchID)
            }
            #expect(r.feeds.count == 1 && r.withdrawals.count == 1)
            same(r.feeds[0].rate, w.feeds[0].rate, "feed", w.batchID)
            for s in ["glucose", "glutamine"] { same(r.feeds[0].substances[s], w.feeds[0].substances[s], "feed \(s)", w.batchID) }
            same(r.withdrawals[0], w.withdrawals[0], "sampling", w.batchID)
        }
        // truth.csv reads through the same config and is the noise-free state.
        let truth = try #require(try SiteDataset.loadTruth(configURL: dir.appendingPathComponent("data.json")))
        let exact = try p.simulateTruth(0)
        let last = exact.states.count - 1
        let t0 = try #require(truth.first { $0.batchID == p.batchID(0) })
        #expect(abs(t0.variables["viable-cells"]![last]! - exact.states[last].viableCells) < 1e-6 * exact.states[last].viableCells)
        #expect(abs(t0.product[last]! - exact.states[last].titre) < 1e-6 * max(1, exact.states[last].titre))
    }

    @Test("cho sites load by their process key, differ per site, and cho-c's operating range lies outside cho-a's and cho-b's")
    func defaultSites() throws {
        let profiles = try ["cho-a", "cho-b", "cho-c"].map { name -> MammalianProfile in
            let url = SiteProfileTests.sitesDirectory.appendingPathComponent(name).appendingPathComponent("profile.json")
            guard case .mammalian(let p) = try SimulatorProfile.load(from: url) else { throw SiteProfileError(field: "process", reason: "not mammalian") }
            // The committed data.json is the one the simulator writes.
            let committed = try SiteDataConfig.load(from: url.deletingLastPathComponent().appendingPathComponent("data.json"))
            #expect(committed == MammalianCSVLayout.standard.dataConfig(path: "batches.csv", heldOutFraction: 0.25, splitSeed: p.seed + 1), "\(name)")
            return p
        }
        let (a, b, c) = (profiles[0], profiles[1], profiles[2])
        #expect(Set(profiles.map(\.seed)).count == 3 && a.cellLine != b.cellLine && b.cellLine != c.cellLine)
        let ab = [a.operating, b.operating]
        #expect(c.operating.temperature.high < ab.map(\.temperature.low).min()!)
        #expect(c.operating.pH.low > ab.map(\.pH.high).max()!)
        #expect(c.operating.feedRate.high < ab.map(\.feedRate.low).min()!)
        for p in profiles {
            #expect(max(abs(Foundation.log(p.cellLine.growth)), abs(Foundation.log(p.cellLine.productivity))) >= Foundation.log(1.6) - 1e-12, "\(p.name)")
        }
        #expect(try JSONDecoder().decode(MammalianProfile.self, from: a.jsonData()) == a)
        // Penicillin-type profiles read through the same loader, unchanged.
        guard case .penicillin(let siteA) = try SimulatorProfile.load(from: SiteProfileTests.sitesDirectory.appendingPathComponent("site-a/profile.json")) else {
            Issue.record("site-a did not load as penicillin"); return
        }
        #expect(siteA == (try SiteProfileTests.profile("site-a")))
    }

    @Test("profile refusals: an unknown process, a mammalian profile where a penicillin one is read, implausible values by field")
    func refusals() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cho-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let source = try String(contentsOf: SiteProfileTests.sitesDirectory.appendingPathComponent("cho-a/profile.json"), encoding: .utf8)
        let url = dir.appendingPathComponent("profile.json")
        try source.replacingOccurrences(of: #""process": "mammalian""#, with: #""process": "insect""#).write(to: url, atomically: true, encoding: .utf8)
        let unknown = #expect(throws: InputFileError.self) { try SimulatorProfile.load(from: url) }
        #expect("\(unknown.map { "\($0)" } ?? "")".contains("key 'process': unknown process 'insect'"))
        try source.write(to: url, atomically: true, encoding: .utf8)
        let wrongKind = #expect(throws: InputFileError.self) { try SiteProfile.load(from: url) }
        #expect("\(wrongKind.map { "\($0)" } ?? "")".contains("key 'process': 'mammalian' is not a penicillin-type profile"))
        try source.replacingOccurrences(of: #""titreCV": 0.04"#, with: #""titreCV": 0.04, "titerCV": 0.04"#).write(to: url, atomically: true, encoding: .utf8)
        let typo = #expect(throws: InputFileError.self) { try SimulatorProfile.load(from: url) }
        #expect("\(typo.map { "\($0)" } ?? "")".contains("key 'sensors.titerCV': unknown key"))

        var p = try Self.profile("cho-a")
        p.operating.temperature = ValueRange(20, 37)
        #expect(throws: SiteProfileError(field: "operating.temperature", reason: "must lie within [25.0, 42.0]")) { try p.validate() }
        p = try Self.profile("cho-a")
        p.cellLine.productivity = 0
        #expect(throws: SiteProfileError(field: "cellLine.productivity", reason: "multiplier must be in (0, 10)")) { try p.validate() }
        p = try Self.profile("cho-a")
        p.process = .penicillin
        #expect(throws: SiteProfileError(field: "process", reason: "must be \"mammalian\" for a mammalian profile")) { try p.validate() }
        // Missing cell-line multipliers read as 1.
        #expect(try JSONDecoder().decode(CellLineMultipliers.self, from: Data(#"{"growth": 2}"#.utf8)) == CellLineMultipliers(growth: 2))
    }

    @Test("on every cho site the nominal kinetics are clearly wrong: the same recipe and disturbances with the prior's cell line give another culture")
    func nominalKineticsAreWrongOnEverySite() throws {
        for name in ["cho-a", "cho-b", "cho-c"] {
            let p = try Self.profile(name)
            let (recipe, kinetics) = p.recipe(0)
            func run(_ k: CellCultureKinetics) throws -> SimulatedCellCulture {
                var rng = Xoshiro256StarStar(seed: p.seed, stream: 1)
                return try CellCultureSimulator(model: CellCultureModel(kinetics: k), settings: p.logging).simulate(recipe, rng: &rng)
            }
            let site = try run(kinetics), prior = try run(.nominal)
            let peak = { (b: SimulatedCellCulture) in b.states.map(\.viableCells).max()! }
            let titre = site.states.last!.titre / prior.states.last!.titre
            let cells = peak(site) / peak(prior)
            print("\(name): final titre site/prior \(titre), peak viable cells site/prior \(cells)")
            #expect(max(abs(Foundation.log(titre)), abs(Foundation.log(cells))) > Foundation.log(1.5), "\(name): titre ×\(titre), cells ×\(cells)")
        }
    }
}
