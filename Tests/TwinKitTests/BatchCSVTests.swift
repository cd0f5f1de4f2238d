import Foundation
import Testing
@testable import TwinKit

@Suite("Batch CSV")
struct BatchCSVTests {
    static let mapping = ColumnMapping(
        batchID: "batch", time: ColumnRef("t", unit: "min"),
        biomass: ColumnRef("X", unit: "g/L"), substrate: ColumnRef("S", unit: "mg/L"),
        product: ColumnRef("P", unit: "g/L"), volume: ColumnRef("V", unit: "mL"),
        temperature: ColumnRef("T", unit: "K"), pH: ColumnRef("pH", unit: "pH"),
        feeds: [FeedMapping(rate: ColumnRef("F", unit: "mL/h"), fixedConcentration: 500, fixedConcentrationUnit: "g/L")],
        withdrawals: [ColumnRef("W", unit: "L/h")])

    static let good = """
        batch,t,X,S,P,V,T,pH,F,W,comment
        B1,0,0.1,15000,0,100000,298.15,5.0,0,0.1,start
        B1,30,,,,100010,298.25,5.01,40,0,
        B2,0,0.2,14000,0,90000,299.15,5.2,0,0,"quoted, with comma"
        B1,60,0.15,14000,0.01,100020,298.15,5.0,40,0,
        """

    @Test("reads mapped columns, converts units, keeps empty cells as not-sampled")
    func readsGood() throws {
        let records = try BatchCSVReader(mapping: Self.mapping).read(text: Self.good, file: "good.csv")
        #expect(records.map(\.batchID) == ["B1", "B2"])
        let b1 = records[0]
        #expect(b1.time == [0, 0.5, 1.0])
        #expect(b1.biomass == [0.1, nil, 0.15])
        #expect(b1.substrate[0] == 15)
        #expect(b1.volume[1]! == 100.01)
        #expect(abs(b1.temperature[1]! - 25.1) < 1e-9)
        #expect(b1.feeds[0].rate[1]! == 0.04)
        #expect(b1.feeds[0].concentration[1]! == 500)
        let inputs = try b1.reactorInputs()
        #expect(abs(inputs[1].substrateInflow - 0.04 * 500) < 1e-12)
        #expect(inputs[0].withdrawalRate == 0.1)
        #expect(try b1.initialState() == ReactorState(biomass: 0.1, substrate: 15, product: 0, volume: 100))
        #expect(abs(b1.interpolated(\.biomass, at: 0.75)! - 0.1375) < 1e-12)
    }

    /// Replaces one line of the good file and returns the error the reader throws.
    func error(replacing line: Int, with text: String, mapping: ColumnMapping = BatchCSVTests.mapping) -> BatchCSVError? {
        var lines = Self.good.components(separatedBy: "\n")
        lines[line - 1] = text
        do {
            _ = try BatchCSVReader(mapping: mapping).read(text: lines.joined(separator: "\n"), file: "bad.csv")
            return nil
        } catch let e as BatchCSVError {
            return e
        } catch {
            return nil
        }
    }

    @Test("missing mapped column is named with line 1")
    func missingColumn() {
        let e = error(replacing: 1, with: "batch,t,X,S,P,Volume,T,pH,F,W,comment")
        #expect(e == BatchCSVError(file: "bad.csv", line: 1, column: "V", kind: .missingColumn))
    }

    @Test("non-numeric cell names its line and column")
    func nonNumeric() {
        let e = error(replacing: 3, with: "B1,30,,n.d.,,100010,298.25,5.01,40,0,")
        #expect(e == BatchCSVError(file: "bad.csv", line: 3, column: "S", kind: .nonNumeric("n.d.")))
    }

    @Test("NaN and infinity are rejected, not treated as missing")
    func nan() {
        #expect(error(replacing: 5, with: "B1,60,NaN,14000,0.01,100020,298.15,5.0,40,0,")?.kind == .notFinite("NaN"))
        #expect(error(replacing: 5, with: "B1,60,0.1,14000,0.01,100020,298.15,5.0,inf,0,")?.column == "F")
    }

    @Test("time going backwards within a batch is an error even across interleaved batches")
    func backwards() {
        let e = error(replacing: 5, with: "B1,20,0.15,14000,0.01,100020,298.15,5.0,40,0,")
        #expect(e == BatchCSVError(file: "bad.csv", line: 5, column: "t", kind: .timeWentBackwards(previous: 0.5, current: 20.0 / 60)))
    }

    @Test("ragged rows, empty ids, unknown units and missing feed concentrations are errors")
    func otherErrors() {
        #expect(error(replacing: 3, with: "B1,30,1")?.kind == .wrongFieldCount(expected: 11, actual: 3))
        #expect(error(replacing: 3, with: ",30,,,,100010,298.25,5.01,40,0,")?.kind == .missingValue)
        var m = Self.mapping
        m.volume = ColumnRef("V", unit: "gallons")
        #expect(error(replacing: 3, with: "B1,30,,,,100010,298.25,5.01,40,0,", mapping: m)?.kind == .unknownUnit("gallons"))
        m = Self.mapping
        m.feeds = [FeedMapping(rate: ColumnRef("F", unit: "mL/h"))]
        #expect(error(replacing: 3, with: "B1,30,,,,100010,298.25,5.01,40,0,", mapping: m)?.kind == .missingConcentration)
        #expect(throws: BatchCSVError.self) { try BatchCSVReader(mapping: Self.mapping).read(text: "\n\n", file: "e.csv") }
    }

    @Test("writer and reader round-trip simulated records in declared units")
    func roundTrip() throws {
        var record = BatchRecord(batchID: "run,7", time: [0, 0.1, 0.2])
        record.biomass = [0.1, nil, 0.123456]
        record.substrate = [15, nil, 14.5]
        record.product = [0, nil, 0.001]
        record.volume = [100, 100.001, 100.002]
        record.temperature = [25, 25.1, 24.9]
        record.pH = [5, 5.01, 4.99]
        record.feeds = [FeedSeries(rate: [0, 0.04, 0.04], concentration: [500, 500, 500])]
        record.withdrawals = [[0.5, 0, 0]]
        let text = try BatchCSVWriter(mapping: Self.mapping).text(for: [record])
        let back = try BatchCSVReader(mapping: Self.mapping).read(text: text, file: "rt.csv")
        #expect(back.count == 1)
        let r = back[0]
        #expect(r.batchID == "run,7")
        for (a, b) in zip(r.time, record.time) { #expect(abs(a - b) < 1e-9) }
        #expect(r.biomass[1] == nil)
        #expect(abs(r.biomass[2]! - 0.123456) < 1e-9)
        #expect(abs(r.temperature[2]! - 24.9) < 1e-6)
        #expect(abs(r.feeds[0].rate[1]! - 0.04) < 1e-12)
    }

    @Test("FNV-1a 64 matches the reference vectors")
    func fnv() {
        #expect(FNV1a64.hash("") == 0xCBF2_9CE4_8422_2325)
        #expect(FNV1a64.hash("a") == 0xAF63_DC4C_8601_EC8C)
        #expect(FNV1a64.hash("foobar") == 0x8594_4171_F739_67E8)
    }

    @Test("split is fixed by the seed, independent of input order, and fingerprinted")
    func split() {
        let ids = (1...20).map { "B\($0)" }
        let a = BatchSplit(batchIDs: ids, heldOutFraction: 0.25, seed: 11)
        let b = BatchSplit(batchIDs: ids.reversed(), heldOutFraction: 0.25, seed: 11)
        let c = BatchSplit(batchIDs: ids, heldOutFraction: 0.25, seed: 12)
        #expect(a == b)
        #expect(a.heldOut.count == 5 && a.training.count == 15)
        #expect(Set(a.heldOut).isDisjoint(with: a.training))
        #expect(a.heldOut != c.heldOut)
        #expect(a.heldOutHash == FNV1a64.hash(a.heldOut.sorted().joined(separator: "\n")))
        #expect(a.fingerprintDescription.count == "train=,heldout=".count + 32)
        #expect(a.trainingHash != c.trainingHash)
    }
}
