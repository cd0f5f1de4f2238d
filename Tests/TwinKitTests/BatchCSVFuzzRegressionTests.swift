import Foundation
import Testing
@testable import TwinKit

/// Inputs found while fuzzing the CSV reader (scripts/fuzz.sh, target `csv`); each one's
/// reproducer is also in `Tests/FuzzCorpus/csv/` so the fuzzer starts from it.
@Suite("Batch CSV fuzz regressions")
struct BatchCSVFuzzRegressionTests {
    /// A cell finite as written but infinite after unit conversion was accepted: 1e307 g/mL
    /// is +inf g/L (regression-unit-overflow.bin). It must be refused like a written "inf".
    @Test("a value that overflows on conversion to the canonical unit is refused")
    func conversionOverflowIsRefused() throws {
        let mapping = ColumnMapping(
            batchID: "b", time: ColumnRef("t", unit: "h"),
            feeds: [FeedMapping(rate: ColumnRef("F", unit: "L/h"), concentration: ColumnRef("Sf", unit: "g/mL"))])
        let reader = BatchCSVReader(mapping: mapping)
        #expect(throws: BatchCSVError(file: "x.csv", line: 2, column: "Sf", kind: .outOfRange("1e307", unit: "g/mL"))) {
            try reader.read(text: "b,t,F,Sf\nB1,0,1,1e307\n", file: "x.csv")
        }
        // Time in days, scaled by 24: the same rule holds for the required column.
        let days = BatchCSVReader(mapping: ColumnMapping(batchID: "b", time: ColumnRef("t", unit: "d")))
        #expect(throws: BatchCSVError(file: "x.csv", line: 3, column: "t", kind: .outOfRange("1e308", unit: "d"))) {
            try days.read(text: "b,t\nB1,0\nB1, 1e308\n", file: "x.csv")
        }
        // Largest values that stay finite are still read.
        let records = try reader.read(text: "b,t,F,Sf\nB1,0,1,1e305\n", file: "x.csv")
        let converted = try #require(records[0].feeds[0].concentration[0])
        #expect(converted.isFinite && abs(converted - 1e308) < 1e293)
    }

    @Test("a fixed feed concentration that overflows on conversion is refused")
    func fixedConcentrationOverflowIsRefused() {
        let mapping = ColumnMapping(
            batchID: "b", time: ColumnRef("t", unit: "h"),
            feeds: [FeedMapping(rate: ColumnRef("F", unit: "L/h"), fixedConcentration: 1e307, fixedConcentrationUnit: "g/mL")])
        #expect(throws: BatchCSVError(file: "x.csv", line: 0, column: "F", kind: .outOfRange("1e+307", unit: "g/mL"))) {
            try BatchCSVReader(mapping: mapping).read(text: "b,t,F\nB1,0,1\n", file: "x.csv")
        }
    }
}
