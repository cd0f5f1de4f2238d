import CZlib
import Testing
@testable import FedTwinWire

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small, validly signed body that inflates to gigabytes is refused quickly, having
/// used no more than the declared `rawLength` of output memory.
@Suite("Zip bombs")
struct ZipBombTests {
    /// A valid zlib stream of `mebibytes` MiB of zeros, built without deflating them all:
    /// one MiB of zeros compressed with a full flush is a byte-aligned run of deflate
    /// blocks that needs no history, so it can be repeated; the Adler-32 of n zeros is
    /// (n mod 65521) << 16 | 1.
    static func zeroBomb(mebibytes: Int) throws -> [UInt8] {
        var stream = z_stream()
        try #require(fedtwin_deflateInit(&stream, 9) == Z_OK)
        defer { deflateEnd(&stream) }
        var zeros = [UInt8](repeating: 0, count: 1 << 20)
        var out = [UInt8](repeating: 0, count: 1 << 16)
        func run(_ input: inout [UInt8], _ count: Int, _ flush: Int32) -> [UInt8] {
            input.withUnsafeMutableBufferPointer { inp in
                out.withUnsafeMutableBufferPointer { o in
                    stream.next_in = inp.baseAddress
                    stream.avail_in = uInt(count)
                    stream.next_out = o.baseAddress
                    stream.avail_out = uInt(o.count)
                    _ = CZlib.deflate(&stream, flush)
                    return Array(o[0..<(o.count - Int(stream.avail_out))])
                }
            }
        }
        let first = run(&zeros, zeros.count, Z_FULL_FLUSH)
        try #require(stream.avail_in == 0)
        var none = [UInt8](repeating: 0, count: 1)
        var tail = run(&none, 0, Z_FINISH)
        let header = Array(first.prefix(2)), chunk = Array(first.dropFirst(2))
        let total = UInt64(mebibytes) << 20
        let adler = UInt32((total % 65521) << 16 | 1)
        tail.replaceSubrange((tail.count - 4)..., with: withUnsafeBytes(of: adler.bigEndian, Array.init))
        var bomb = header
        bomb.reserveCapacity(2 + chunk.count * mebibytes + tail.count)
        for _ in 0..<mebibytes { bomb += chunk }
        return bomb + tail
    }

    /// The construction is sound: a small instance inflates to exactly its zeros.
    @Test func constructionIsAValidStream() throws {
        let bomb = try Self.zeroBomb(mebibytes: 3)
        let inflated = try bomb.withUnsafeBytes { try Zlib.inflate($0, expectedSize: 3 << 20) }
        #expect(inflated.count == 3 << 20)
        #expect(inflated.allSatisfy { $0 == 0 })
    }

    private func maxRSSKiB() -> Int {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Int(usage.ru_maxrss)
    }

    /// 4 GiB of zeros in a ~4 MB body; the manifest declares 64 bytes or 1 MiB.
    @Test(arguments: [16, 1 << 18])
    func gigabyteBombIsRefusedFastWithBoundedMemory(elements: Int) throws {
        let bomb = try Self.zeroBomb(mebibytes: 4096)
        #expect(bomb.count < 5 << 20)
        let manifest = TensorManifest(rawLength: elements * 4, tensors: [
            TensorEntry(name: "w", dtype: "f32", shape: [elements], encoding: "f32", blockSize: nil, offset: 0, length: elements * 4, maxAbsError: 0, rmsError: 0),
        ])
        let header = try craftHeader(.update(Update(baseVersionID: sampleBaseID, samples: 1, metrics: [:])), manifest: manifest)
        let frame = try craftFrame(type: .update, flags: .bodyCompressed, header: header, body: bomb)

        let rssBefore = maxRSSKiB()
        let start = ContinuousClock.now
        let error = #expect(throws: FrameError.self) { try receive(frame) }
        let elapsed = ContinuousClock.now - start
        guard case .payload(let payloadError)? = error?.problem, case .inflate(let zlib) = payloadError.problem else {
            Issue.record("expected an inflate refusal, got \(String(describing: error))")
            return
        }
        #expect(zlib.detail == "stream inflates past the declared \(elements * 4) bytes")
        #expect(elapsed < .seconds(2), "took \(elapsed)")
        // Inflating the whole bomb would take 4 GiB; the receiver may use rawLength.
        let grownMiB = (maxRSSKiB() - rssBefore) / 1024
        #expect(grownMiB < 256, "peak RSS grew by \(grownMiB) MiB")
    }

    /// The same through the payload decoder alone, and a bomb declared as q8.
    @Test func payloadDecoderRefusesBomb() throws {
        let bomb = try Self.zeroBomb(mebibytes: 64)
        let manifest = TensorManifest(rawLength: 8 + 100, tensors: [
            TensorEntry(name: "q", dtype: "f32", shape: [100], encoding: "q8", blockSize: 100, offset: 0, length: 108, maxAbsError: 0, rmsError: 0),
        ])
        #expect(throws: PayloadError(.inflate(ZlibError(operation: "inflate", code: Z_BUF_ERROR, detail: "stream inflates past the declared 108 bytes")))) {
            try TensorPayload.decode(manifest: manifest, body: bomb, isCompressed: true)
        }
    }

    /// Declaring the true size does not help: it is over the raw-length limit, checked
    /// before anything is allocated.
    @Test func declaringTheTrueSizeHitsTheLimit() throws {
        let bomb = try Self.zeroBomb(mebibytes: 1024)
        let elements = 1 << 28 // 1 GiB of f32
        let manifest = TensorManifest(rawLength: elements * 4, tensors: [
            TensorEntry(name: "w", dtype: "f32", shape: [elements], encoding: "f32", blockSize: nil, offset: 0, length: elements * 4, maxAbsError: 0, rmsError: 0),
        ])
        let frame = try craftFrame(type: .update, flags: .bodyCompressed,
                                   header: try craftHeader(.update(Update(baseVersionID: sampleBaseID, samples: 1, metrics: [:])), manifest: manifest), body: bomb)
        #expect(throws: FrameError(.payload(PayloadError(.limitExceeded(field: "rawLength", value: 1 << 30, limit: 512 << 20))))) {
            try receive(frame)
        }
    }

    /// A truncated zlib body in a signed frame.
    @Test func truncatedCompressedBody() throws {
        let payload = try TensorPayload.encode([Tensor(name: "w", shape: [64], floats: (0..<64).map { Float($0) / 7 })], options: PayloadOptions(encoding: .f32, compressionLevel: 6))
        for cut in [1, 4, 5, payload.body.count / 2] {
            let header = try craftHeader(.update(Update(baseVersionID: sampleBaseID, samples: 1, metrics: [:])), manifest: payload.manifest)
            let frame = try craftFrame(type: .update, flags: .bodyCompressed, header: header, body: Array(payload.body.dropLast(cut)))
            let error = #expect(throws: FrameError.self) { try receive(frame) }
            guard case .payload(let p)? = error?.problem, case .inflate(let zlib) = p.problem else {
                Issue.record("cut \(cut): expected inflate refusal, got \(String(describing: error))")
                continue
            }
            #expect(zlib.detail?.contains("truncated") == true, "cut \(cut): \(zlib)")
        }
    }
}
