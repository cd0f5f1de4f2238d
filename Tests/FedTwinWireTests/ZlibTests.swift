import Testing
@testable import FedTwinWire

@Suite("zlib")
struct ZlibTests {
    @Test(arguments: [0, 1, 6, 9] as [Int32])
    func roundTrip(level: Int32) throws {
        for seed in propertySeeds {
            var rng = SeededRandom(seed: seed)
            // Half compressible (runs), half noise.
            var input: [UInt8] = []
            for _ in 0..<Int.random(in: 0...40, using: &rng) {
                let byte = UInt8.random(in: 0...255, using: &rng)
                if Bool.random(using: &rng) {
                    input += [UInt8](repeating: byte, count: Int.random(in: 1...200, using: &rng))
                } else {
                    input.append(byte)
                }
            }
            let compressed = try Zlib.deflate(input, level: level)
            let back = try compressed.withUnsafeBytes { try Zlib.inflate($0, expectedSize: input.count) }
            #expect(back == input, "seed \(seed)")
        }
    }

    @Test func emptyInputRoundTrips() throws {
        let compressed = try Zlib.deflate([UInt8](), level: 6)
        #expect(compressed.count > 0)
        let back = try compressed.withUnsafeBytes { try Zlib.inflate($0, expectedSize: 0) }
        #expect(back.isEmpty)
    }

    @Test(arguments: [-1, 10, 100] as [Int32])
    func levelOutsideRangeIsRefused(level: Int32) {
        let error = #expect(throws: ZlibError.self) { try Zlib.deflate([1, 2, 3], level: level) }
        #expect(error?.detail == "level \(level) is outside 0...9")
    }

    private func inflateError(_ stream: [UInt8], expectedSize: Int) -> ZlibError? {
        #expect(throws: ZlibError.self) { try stream.withUnsafeBytes { _ = try Zlib.inflate($0, expectedSize: expectedSize) } }
    }

    @Test func moreThanExpectedIsRefused() throws {
        let input = [UInt8](repeating: 7, count: 1000)
        let stream = try Zlib.deflate(input)
        for expected in [0, 1, 999] {
            let error = inflateError(stream, expectedSize: expected)
            #expect(error?.detail == "stream inflates past the declared \(expected) bytes")
        }
    }

    @Test func lessThanExpectedIsRefused() throws {
        let stream = try Zlib.deflate([UInt8](repeating: 7, count: 1000))
        let error = inflateError(stream, expectedSize: 1001)
        #expect(error?.detail == "stream inflated to 1000 bytes, manifest declares 1001")
    }

    /// Cut anywhere — inside the deflate data or inside the Adler-32 trailer — the stream
    /// is reported as truncated, never as too long.
    @Test func truncatedStreamIsRefused() throws {
        var rng = SeededRandom(seed: 11)
        let input = (0..<600).map { _ in UInt8.random(in: 0...15, using: &rng) }
        let stream = try Zlib.deflate(input)
        for cut in [1, 2, 3, 4, 5, 8, stream.count / 2, stream.count - 2] {
            let error = inflateError(Array(stream.dropLast(cut)), expectedSize: input.count)
            #expect(error?.detail?.contains("truncated") == true, "cut \(cut): \(String(describing: error))")
        }
        // Nothing at all.
        #expect(inflateError([], expectedSize: input.count)?.detail?.contains("truncated") == true)
    }

    @Test func trailingBytesAreRefused() throws {
        let input = Array("hello hello hello".utf8)
        let stream = try Zlib.deflate(input) + [0]
        let error = inflateError(stream, expectedSize: input.count)
        #expect(error?.detail == "1 trailing bytes after the end of the zlib stream")
    }

    @Test func corruptStreamIsRefused() throws {
        let input = Array("hello hello hello hello".utf8)
        let good = try Zlib.deflate(input)
        var badHeader = good
        badHeader[0] = 0x00
        #expect(inflateError(badHeader, expectedSize: input.count)?.code == -3) // Z_DATA_ERROR
        var badChecksum = good
        badChecksum[badChecksum.count - 1] ^= 0xff
        let error = inflateError(badChecksum, expectedSize: input.count)
        #expect(error?.code == -3)
        #expect(error?.detail == "incorrect data check")
    }

    /// The output buffer is exactly the declared size: a stream that wants more never
    /// writes past it.
    @Test func inflateNeverWritesPastTheBuffer() throws {
        let stream = try Zlib.deflate([UInt8](repeating: 0x55, count: 10_000))
        var memory = [UInt8](repeating: 0xAA, count: 100 + 64)
        memory.withUnsafeMutableBytes { all in
            let declared = UnsafeMutableRawBufferPointer(rebasing: all[0..<100])
            let error = #expect(throws: ZlibError.self) { try stream.withUnsafeBytes { try Zlib.inflate($0, into: declared) } }
            #expect(error?.detail == "stream inflates past the declared 100 bytes")
        }
        #expect(memory[0..<100].allSatisfy { $0 == 0x55 })
        #expect(memory[100...].allSatisfy { $0 == 0xAA }, "bytes after the declared size were written")
    }
}
