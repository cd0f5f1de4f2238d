import Foundation
import FuzzDriver
import TwinKit

// libFuzzer target for the batch CSV reader with a column mapping.
// Built with `-sanitize=fuzzer,address -DFUZZING` by scripts/fuzz.sh; in a plain `swift build`
// `main` replays files instead (`FuzzDriver` explains why both modes have an `@main`).
//
// Input layout: when the input contains a NUL byte, the bytes before it are the mapping JSON
// and the bytes after it the CSV text; otherwise the whole input is CSV read with the
// simulator's mapping (the layout of `fedtwin data simulate`).

let decoder = JSONDecoder()

func fuzzCSV(_ input: [UInt8]) {
    let mapping: ColumnMapping
    let csv: ArraySlice<UInt8>
    if let split = input.firstIndex(of: 0) {
        guard let decoded = try? decoder.decode(ColumnMapping.self, from: Data(input[..<split])) else { return }
        mapping = decoded
        csv = input[(split + 1)...]
    } else {
        mapping = .simulatorDefault
        csv = input[...]
    }

    let records: [BatchRecord]
    do {
        records = try BatchCSVReader(mapping: mapping).read(text: String(decoding: csv, as: UTF8.self), file: "fuzz.csv")
    } catch {
        _ = String(describing: error)
        return
    }

    // What the reader promises about an accepted file (BatchCSVReader, BatchRecord docs).
    var ids = Set<String>()
    for record in records {
        precondition(!record.batchID.isEmpty && ids.insert(record.batchID).inserted)
        let rows = record.rowCount
        precondition(rows > 0)
        precondition(zip(record.time, record.time.dropFirst()).allSatisfy { $0 <= $1 }, "time decreases within a batch")
        var series = [record.biomass, record.substrate, record.product, record.volume,
                      record.temperature, record.pH, record.dissolvedOxygen]
        series += record.feeds.flatMap { [$0.rate, $0.concentration] }
        series += record.withdrawals
        precondition(record.feeds.count == mapping.feeds.count && record.withdrawals.count == mapping.withdrawals.count)
        for values in series {
            precondition(values.count == rows, "a series has a different length from the time column")
        }
        precondition(record.time.allSatisfy(\.isFinite), "non-finite time in canonical units")
        precondition(series.allSatisfy { $0.allSatisfy { $0?.isFinite ?? true } }, "non-finite value in canonical units")
    }
}

/// libFuzzer's per-input entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzCSV(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@main
enum Main {
    static func main() throws {
        try FuzzDriver.run(fuzzerTestOneInput)
    }
}
