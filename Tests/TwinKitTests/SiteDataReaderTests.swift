import FedTwinWire
import Foundation
import Testing
@testable import TwinKit

/// Issue 11: site data configs over several files, units and refusals.
@Suite("site data config reader")
struct SiteDataReaderTests {
    let dir: URL

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("sdr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String, gzip: Bool = false) throws {
        let url = dir.appendingPathComponent(name)
        if gzip {
            try text.write(to: dir.appendingPathComponent("plain.tmp"), atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "gzip -c '\(dir.path)/plain.tmp' > '\(url.path)'"]
            try p.run()
            p.waitUntilExit()
        } else {
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
    }

    func load(_ config: SiteDataConfig) throws -> SiteDataReader.Output {
        let url = dir.appendingPathComponent("data.json")
        try config.jsonData().write(to: url)
        return try SiteDataset.read(try SiteDataConfig.load(from: url), configURL: url)
    }

    static let online = """
    batch,t_h,T_K,pH,DO_mgL,feed_mL_min,oil_g_min,V_L
    B1,0,303.15,6.5,7.0,0,0,100
    B1,1,303.15,6.5,3.5,10,5,100.5
    B1,2,303.15,6.5,3.5,10,5,101
    B2,0,303.15,6.6,7.0,0,0,90
    B2,2,303.15,6.6,7.0,20,0,91
    """

    static let assays = """
    Batch,sampled,X_gL,glc_mM,titre_mgL
    B1,2024-03-01 08:00:00,1,10,0
    B1,2024-03-01 09:30,2,5,100
    B2,2024-03-02T00:00:00Z,1.5,20,0
    """

    static let aux = """
    batch,t_min,discharge_kg_h,rho_kg_L,evap_L_h
    B1,0,0,1.0,0.1
    B1,60,2.2,1.1,0.2
    B2,0,0,1.0,0
    """

    func joinedConfig(missing: SiteDataConfig.MissingBatches? = nil) -> SiteDataConfig {
        SiteDataConfig(
            files: [
                DataFileSpec(path: "online.csv.gz", batchColumn: "batch", time: TimeSpec(column: "t_h", unit: "h")),
                DataFileSpec(path: "assays.csv", batchColumn: "Batch", time: TimeSpec(column: "sampled", format: .timestamp)),
                DataFileSpec(path: "aux.csv", batchColumn: "batch", time: TimeSpec(column: "t_min", unit: "min")),
            ],
            variables: [
                VariableSpec(name: "temperature", column: "T_K", unit: "K"),
                VariableSpec(name: "pH", column: "pH", unit: "pH"),
                VariableSpec(name: "dissolved_oxygen", column: "DO_mgL", unit: "mg/L", saturation: 7.0),
                VariableSpec(name: "volume", column: "V_L", unit: "L", recordedInput: true),
                VariableSpec(name: "biomass", column: "X_gL", unit: "g/L"),
                VariableSpec(name: "glucose", column: "glc_mM", unit: "mmol/L", molarMass: 180),
                VariableSpec(name: "titre", column: "titre_mgL", unit: "mg/L"),
            ],
            feeds: [
                FeedSpec(name: "sugar", flow: FlowSpec(column: "feed_mL_min", unit: "mL/min", sign: .positive),
                         carries: [CarriedSubstance(substance: "substrate", value: 500, unit: "g/L")]),
                FeedSpec(name: "oil", flow: FlowSpec(column: "oil_g_min", unit: "g/min", sign: .positive,
                                                     density: QuantitySpec(value: 0.9, unit: "kg/L")),
                         carries: [CarriedSubstance(substance: "substrate", value: 900, unit: "g/L")], addsVolume: false),
            ],
            withdrawals: [FlowSpec(name: "discharge", column: "discharge_kg_h", unit: "kg/h", sign: .positive,
                                   density: QuantitySpec(column: "rho_kg_L", unit: "kg/L"))],
            evaporation: FlowSpec(column: "evap_L_h", unit: "L/h", sign: .positive),
            missingBatches: missing, heldOutFraction: 0.5, splitSeed: 1)
    }

    func writeJoined() throws {
        try write("online.csv.gz", Self.online, gzip: true)
        try write("assays.csv", Self.assays)
        try write("aux.csv", Self.aux)
    }

    @Test("joins gzip online data, timestamped assays and auxiliary flows; converts every unit")
    func joinsAndConverts() throws {
        try writeJoined()
        let out = try load(joinedConfig())
        #expect(out.warnings.isEmpty)
        #expect(out.records.map(\.batchID) == ["B1", "B2"])
        let b1 = out.records[0]
        // Grid: online 0,1,2; assays 0 and 1.5 h after the batch's earliest timestamp; aux 0, 1.
        #expect(b1.time == [0, 1, 1.5, 2])
        #expect(abs(b1.temperature[0]! - 30) < 1e-9)
        #expect(abs(b1.dissolvedOxygen[0]! - 100) < 1e-9 && abs(b1.dissolvedOxygen[1]! - 50) < 1e-9)
        #expect(b1.biomass == [1, nil, 2, nil])
        // glucose 10 mmol/L × 180 g/mol = 1.8 g/L; titre from mg/L; both kept under their names.
        #expect(abs(b1.variables["glucose"]![0]! - 1.8) < 1e-12)
        #expect(abs(b1.product[2]! - 0.1) < 1e-12)
        #expect(b1.series(named: "titre")! == b1.product)
        // 10 mL/min = 0.6 L/h; the oil 5 g/min = 0.3 kg/h / 0.9 kg/L, volume-free.
        #expect(abs(b1.feeds[0].rate[1]! - 0.6) < 1e-12)
        #expect(abs(b1.feeds[1].rate[1]! - 0.3 / 0.9) < 1e-12 && !b1.feeds[1].addsVolume)
        // Discharge 2.2 kg/h at 1.1 kg/L = 2 L/h from aux's 60 min row, held at 1.5 h and 2 h.
        #expect(b1.withdrawals[0][0]! == 0 && abs(b1.withdrawals[0][1]! - 2) < 1e-12 && abs(b1.withdrawals[0][3]! - 2) < 1e-12)
        #expect(b1.evaporation! == [0.1, 0.2, 0.2, 0.2])
        #expect(b1.volumeIsRecordedInput)
        let inputs = try b1.reactorInputs()
        // The volume-free oil adds substrate but no volume; logged evaporation is an input.
        #expect(abs(inputs[1].feedRate - 0.6) < 1e-12)
        #expect(abs(inputs[1].substrateInflow - (0.6 * 500 + 0.3 / 0.9 * 900)) < 1e-9)
        #expect(inputs[2].evaporationRate == 0.2)
        // B2's assay timestamp is its own start.
        #expect(out.records[1].time == [0, 2])
    }

    @Test("measured volume as a recorded input: open-loop evaluation follows the plant's volume")
    func recordedVolume() throws {
        try writeJoined()
        var record = try load(joinedConfig()).records[0]
        record.substrate = record.biomass.map { $0.map { _ in 1 } }
        record.product = record.biomass.map { $0.map { _ in 0 } }
        let states = try RecordedInputSimulation().run(record) { _, _ in SIMD4(0, 0, 0, 1000) }
        #expect(states.map(\.volume) == [100, 100.5, 100.5, 101])
    }

    func refusal(_ config: SiteDataConfig) -> BatchCSVError? {
        do {
            _ = try load(config)
            return nil
        } catch let e as BatchCSVError {
            return e
        } catch {
            Issue.record("unexpected \(error)")
            return nil
        }
    }

    @Test("a batch some files lack is refused with its file and line, or dropped with one warning")
    func missingBatches() throws {
        try write("online.csv.gz", Self.online + "\nB3,0,303.15,6.5,7.0,0,0,100\n", gzip: true)
        try write("assays.csv", Self.assays)
        try write("aux.csv", Self.aux)
        let e = try #require(refusal(joinedConfig()))
        #expect(e.file == "online.csv.gz" && e.line == 7 && e.column == "batch")
        #expect(e.kind == .batchNotInAllFiles(batch: "B3", missingFrom: "assays.csv"))
        let out = try load(joinedConfig(missing: .drop))
        #expect(out.records.map(\.batchID) == ["B1", "B2"])
        #expect(out.warnings == [DataWarning(.droppedBatches(["B3"], missingFrom: "assays.csv"))])
    }

    @Test("negative flows, undeclared signs, backwards time, bad cells are refused with file, line and column")
    func refusals() throws {
        try writeJoined()
        try write("aux.csv", Self.aux.replacingOccurrences(of: "B1,60,2.2", with: "B1,60,-2.2"))
        var e = try #require(refusal(joinedConfig()))
        #expect(e.file == "aux.csv" && e.line == 3 && e.column == "discharge_kg_h" && e.kind == .negativeFlow("-2.2", declared: true))
        var undeclared = joinedConfig()
        undeclared.withdrawals![0].sign = nil
        e = try #require(refusal(undeclared))
        #expect(e.kind == .negativeFlow("-2.2", declared: false))
        var negative = joinedConfig()
        negative.withdrawals![0].sign = .negative
        try write("aux.csv", Self.aux.replacingOccurrences(of: "B1,60,2.2", with: "B1,60,-2.2").replacingOccurrences(of: ",0,0,1.0", with: ",0,-0,1.0"))
        #expect(refusal(negative) == nil)
        try write("aux.csv", Self.aux)
        e = try #require(refusal(negative))
        #expect(e.line == 3 && e.kind == .positiveFlowDeclaredNegative("2.2"))

        try write("assays.csv", Self.assays.replacingOccurrences(of: "09:30", with: "07:30"))
        e = try #require(refusal(joinedConfig()))
        #expect(e.file == "assays.csv" && e.line == 3 && e.column == "sampled")
        if case .timeWentBackwards = e.kind {} else { Issue.record("\(e.kind)") }
        try write("assays.csv", Self.assays.replacingOccurrences(of: "09:30", with: "9h30"))
        e = try #require(refusal(joinedConfig()))
        #expect(e.line == 3 && e.kind == .badTimestamp("2024-03-01 9h30"))
        try write("assays.csv", Self.assays.replacingOccurrences(of: ",5,100", with: ",five,100"))
        e = try #require(refusal(joinedConfig()))
        #expect(e.file == "assays.csv" && e.line == 3 && e.column == "glc_mM" && e.kind == .nonNumeric("five"))
    }

    @Test("unknown units and missing unit parameters are refused before any data is read")
    func configRefusals() throws {
        func problem(_ edit: (inout SiteDataConfig) -> Void) -> DataConfigError? {
            var c = joinedConfig()
            edit(&c)
            do { _ = try c.normalized(file: "data.json"); return nil } catch { return error as? DataConfigError }
        }
        #expect(problem { $0.variables![0].unit = "Rankine" } == DataConfigError(file: "data.json", key: "variables[0].unit", problem: .unknownUnit("Rankine")))
        #expect(problem { $0.variables![2].saturation = nil }?.problem == .needsSaturation("mg/L"))
        #expect(problem { $0.variables![5].molarMass = nil }?.problem == .needsMolarMass("mmol/L"))
        #expect(problem { $0.variables![4].unit = "L" }?.problem == .wrongKind(unit: "L", expected: "concentration"))
        #expect(problem { $0.withdrawals![0].density = nil }?.key == "withdrawals[0].density")
        #expect(problem { $0.feeds![0].flow.file = "nope.csv" }?.problem == .unknownFile("nope.csv"))
        #expect(problem { $0.variables![1].recordedInput = true }?.problem == .recordedInputNotVolume("pH"))
        // A single-file config whose feed carries nothing is refused, as the single-file reader does.
        var legacy = ColumnMapping.simulatorDefault
        legacy.feeds[0].concentration = nil
        #expect(throws: DataConfigError(file: "data.json", key: "mapping.feeds[0]", problem: .columnOrValue)) {
            try SiteDataConfig(csv: "b.csv", mapping: legacy, heldOutFraction: 0.25, splitSeed: 1).normalized(file: "data.json")
        }
        // No file is opened: the files of this test directory were never written.
        #expect(problem { _ in } == nil)
    }

    @Test("a truncated .csv.gz is refused naming the file")
    func badGzip() throws {
        try writeJoined()
        let url = dir.appendingPathComponent("online.csv.gz")
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(bytes.count - 6).write(to: url)
        #expect(throws: InputFileError.self) { try load(joinedConfig()) }
    }

    @Test("cell densities, DO as a fraction, m³/h flows logged negative and a batch-start column")
    func moreUnits() throws {
        try write("one.csv", "b,ts,start,VCD,DO,F\nR1,2024-01-01T06:00,2024-01-01T00:00,2e6,0.4,-0.002\nR1,2024-01-01T12:00,2024-01-01T00:00,4e6,0.3,0\n")
        let config = SiteDataConfig(
            files: [DataFileSpec(path: "one.csv", batchColumn: "b", time: TimeSpec(column: "ts", format: .timestamp, batchStart: "start"))],
            variables: [VariableSpec(name: "viable_cells", column: "VCD", unit: "cells/mL"),
                        VariableSpec(name: "dissolved_oxygen", column: "DO", unit: "fraction")],
            withdrawals: [FlowSpec(column: "F", unit: "m3/h", sign: .negative)], heldOutFraction: 0, splitSeed: 1)
        let r = try load(config).records[0]
        #expect(r.time == [6, 12])
        #expect(r.variables["viable_cells"]! == [2, 4])
        #expect(abs(r.dissolvedOxygen[0]! - 40) < 1e-12)
        #expect(abs(r.withdrawals[0][0]! - 2) < 1e-12 && r.withdrawals[0][1]! == 0)
    }

    @Test("a .csv.gz that inflates past the limit is refused without reading on")
    func gzipCap() throws {
        try writeJoined()
        let url = dir.appendingPathComponent("data.json")
        try joinedConfig().jsonData().write(to: url)
        let config = try SiteDataConfig.load(from: url).normalized(file: url.path)
        #expect(throws: InputFileError.self) { try SiteDataReader(config: config, directory: dir, maxInflatedBytes: 64).read() }
        #expect(try SiteDataReader(config: config, directory: dir, maxInflatedBytes: 4096).read().records.count == 2)
    }

    @Test("the simulator's files read through the data config it writes equal what it simulated")
    func simulatorThroughConfig() throws {
        var p = try SiteProfile.load(from: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("sites/site-a/profile.json"))
        p.batchCount = 2
        let written = try SiteDataset.writeSimulated(p, to: dir, heldOutFraction: 0.5, splitSeed: 3)
        let config = try SiteDataConfig.load(from: dir.appendingPathComponent("data.json"))
        #expect(config.files?.count == 1 && config.csv == nil)
        let read = try SiteDataset.read(config, configURL: dir.appendingPathComponent("data.json")).records
        #expect(read.count == written.count)
        for (r, w) in zip(read, written) {
            #expect(r.batchID == w.batchID && r.time.count == w.time.count)
            func close(_ a: [Double?], _ b: [Double?]) -> Bool {
                guard a.count == b.count else { return false }
                for (x, y) in zip(a, b) {
                    switch (x, y) {
                    case (nil, nil): continue
                    case let (x?, y?): if abs(x - y) > 1e-6 * max(1, abs(y)) { return false }
                    default: return false
                    }
                }
                return true
            }
            #expect(zip(r.time, w.time).allSatisfy { abs($0 - $1) < 1e-6 } && close(r.biomass, w.biomass) && close(r.product, w.product) && close(r.volume, w.volume))
            #expect(close(r.feeds[0].rate, w.feeds[0].rate) && close(r.withdrawals[0], w.withdrawals[0]))
        }
    }
}
