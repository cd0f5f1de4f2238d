import Foundation
import Testing
@testable import FedTwinWire

/// One way of storing a payload: dtype of the tensors, encoding, q8 block, zlib level, delta.
struct PayloadCase: Sendable, CustomTestStringConvertible {
    var dtype: DType
    var encoding: TensorEncoding
    var blockSize: Int = 256
    var level: Int32?
    var delta: String?

    var testDescription: String {
        "\(dtype)→\(encoding)" + (encoding == .q8 ? "/b\(blockSize)" : "") + (level.map { " zlib\($0)" } ?? " raw") + (delta == nil ? "" : " delta")
    }

    var options: PayloadOptions { PayloadOptions(encoding: encoding, blockSize: blockSize, compressionLevel: level, delta: delta) }

    var isLossless: Bool { !encoding.isLossy(for: dtype) }

    /// Every allowed (dtype, encoding) pair, q8 with several block sizes, each compressed
    /// and not, with and without the delta flag.
    static let all: [PayloadCase] = {
        var cases: [PayloadCase] = []
        for dtype in DType.allCases {
            for encoding in TensorEncoding.allCases where !(dtype == .f32 && encoding == .f64) {
                let blocks = encoding == .q8 ? [1, 3, 16, 256, 65536] : [256]
                for block in blocks {
                    for level in [nil, 0, 1, 6, 9] as [Int32?] {
                        cases.append(PayloadCase(dtype: dtype, encoding: encoding, blockSize: block, level: level,
                                                 delta: (level ?? 3) % 2 == 1 ? SHA256.hex(Array("v\(block)".utf8)) : nil))
                    }
                }
            }
        }
        return cases
    }()
}

@Suite("Tensor payload round trips")
struct PayloadRoundTripTests {
    @Test(arguments: PayloadCase.all)
    func roundTrip(_ c: PayloadCase) throws {
        for seed in propertySeeds {
            var rng = SeededRandom(seed: seed &* 0x1000 &+ UInt64(c.blockSize))
            let tensors = rng.tensors(count: Int.random(in: 0...4, using: &rng), dtype: c.dtype,
                                      maxMagnitude: c.encoding == .f16 ? 30000 : 1e6)
            let payload = try TensorPayload.encode(tensors, options: c.options)
            try checkManifest(payload, tensors, c)

            let decoded = try TensorPayload.decode(manifest: payload.manifest, body: payload.body, isCompressed: payload.isCompressed)
            try #require(decoded.count == tensors.count)
            for (index, (original, back)) in zip(tensors, decoded).enumerated() {
                #expect(back.name == original.name)
                #expect(back.shape == original.shape)
                #expect(back.dtype == c.dtype)
                let expected = c.isLossless
                    ? original.values.doubles
                    : Reference.reconstruct(original.values.doubles, dtype: c.dtype, encoding: c.encoding, blockSize: c.blockSize)
                #expect(back.values.doubles.map(\.bitPattern) == expected.map(\.bitPattern), "seed \(seed) tensor \(index)")
                if c.isLossless {
                    #expect(back == original)
                    #expect(bitPatterns(back.values) == bitPatterns(original.values))
                }
            }
        }
    }

    private func checkManifest(_ payload: TensorPayload, _ tensors: [Tensor], _ c: PayloadCase) throws {
        let manifest = payload.manifest
        #expect(manifest.delta == c.delta)
        #expect(payload.isCompressed == (c.level != nil))
        if c.level == nil { #expect(payload.body.count == manifest.rawLength) }
        try #require(manifest.tensors.count == tensors.count)
        var offset = 0
        for (entry, tensor) in zip(manifest.tensors, tensors) {
            let n = tensor.shape.reduce(1, *)
            #expect(entry.name == tensor.name)
            #expect(entry.dtype == c.dtype.rawValue)
            #expect(entry.shape == tensor.shape)
            #expect(entry.encoding == c.encoding.rawValue)
            #expect(entry.blockSize == (c.encoding == .q8 ? c.blockSize : nil))
            #expect(entry.offset == offset)
            let blocks = (n + c.blockSize - 1) / c.blockSize
            let length = switch c.encoding {
            case .f32: 4 * n
            case .f64: 8 * n
            case .f16: 2 * n
            case .q8: 8 * blocks + n
            }
            #expect(entry.length == length)
            offset += length
        }
        #expect(manifest.rawLength == offset)
        // The manifest travels as JSON in the signed header: it must survive that exactly.
        let json = try JSONEncoder().encode(manifest)
        #expect(try JSONDecoder().decode(TensorManifest.self, from: json) == manifest)
    }

    /// Values at the edges of each format survive the lossless encodings bit for bit.
    @Test(arguments: [nil, 6] as [Int32?])
    func extremeValuesAreLossless(level: Int32?) throws {
        let floats: [Float] = [0, -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
                               .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1, .ulpOfOne, 1 + .ulpOfOne, 65504, 1e-30]
        let doubles: [Double] = [0, -0.0, .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude,
                                 -.greatestFiniteMagnitude, 1 + .ulpOfOne, .pi, 1e300, -1e-300]
        let f32 = Tensor(name: "f", shape: [3, 4], floats: floats)
        let f64 = Tensor(name: "d", shape: [10], doubles: doubles)
        let asF32 = try TensorPayload.encode([f32], options: PayloadOptions(encoding: .f32, compressionLevel: level))
        let back32 = try TensorPayload.decode(manifest: asF32.manifest, body: asF32.body, isCompressed: asF32.isCompressed)
        #expect(bitPatterns(back32[0].values) == bitPatterns(f32.values))
        #expect(asF32.manifest.tensors[0].maxAbsError == 0 && asF32.manifest.tensors[0].rmsError == 0)

        let asF64 = try TensorPayload.encode([f64], options: PayloadOptions(encoding: .f64, compressionLevel: level))
        let back64 = try TensorPayload.decode(manifest: asF64.manifest, body: asF64.body, isCompressed: asF64.isCompressed)
        #expect(bitPatterns(back64[0].values) == bitPatterns(f64.values))
        #expect(asF64.manifest.tensors[0].maxAbsError == 0 && asF64.manifest.tensors[0].rmsError == 0)
    }

    /// A payload with no tensors, or only empty ones, has a zero-length body; compressed
    /// or not it must still decode.
    @Test(arguments: [nil, 0, 6] as [Int32?], [TensorEncoding.f32, .f16, .q8])
    func emptyPayloads(level: Int32?, encoding: TensorEncoding) throws {
        for tensors in [[], [Tensor(name: "e", shape: [0, 3], floats: [])], [Tensor(name: "e", shape: [2, 0], doubles: [])]] {
            let payload = try TensorPayload.encode(tensors, options: PayloadOptions(encoding: encoding, blockSize: 4, compressionLevel: level))
            #expect(payload.manifest.rawLength == 0)
            let back = try TensorPayload.decode(manifest: payload.manifest, body: payload.body, isCompressed: payload.isCompressed)
            #expect(back == tensors)
        }
    }

    @Test func scalarTensorRoundTrips() throws {
        for encoding in TensorEncoding.allCases {
            let tensor = Tensor(name: "s", shape: [], doubles: [0.3])
            let payload = try TensorPayload.encode([tensor], options: PayloadOptions(encoding: encoding, blockSize: 8))
            #expect(payload.manifest.tensors[0].shape == [])
            let back = try TensorPayload.decode(manifest: payload.manifest, body: payload.body, isCompressed: true)
            #expect(back[0].shape == [])
            #expect(back[0].values.count == 1)
            if encoding == .f64 { #expect(back == [tensor]) }
            // A single-value q8 block has scale 0 and reconstructs f32(x) exactly.
            if encoding == .q8 { #expect(back[0].values.doubles == [Double(Float(0.3))]) }
        }
    }

    @Test func mixedDTypesInOnePayload() throws {
        let tensors = [Tensor(name: "a", shape: [2], floats: [1.5, 2.5]), Tensor(name: "b", shape: [1], doubles: [1.0 / 3])]
        let payload = try TensorPayload.encode(tensors, options: PayloadOptions(encoding: .f32))
        let back = try TensorPayload.decode(manifest: payload.manifest, body: payload.body, isCompressed: payload.isCompressed)
        #expect(back[0] == tensors[0])
        #expect(back[1].values == .f64([Double(Float(1.0 / 3))]))
    }

    // MARK: Encoder refusals that are not about values

    @Test func f64StorageOfF32TensorIsRefused() {
        #expect(throws: PayloadError(tensor: "w", .encodingNotAllowed(encoding: "f64", dtype: "f32"))) {
            try TensorPayload.encode([Tensor(name: "w", shape: [1], floats: [1])], options: PayloadOptions(encoding: .f64))
        }
    }

    @Test(arguments: [0, -1, 65537])
    func invalidBlockSizeIsRefusedAtEncode(block: Int) {
        #expect(throws: PayloadError(tensor: "w", .invalidBlockSize(block))) {
            try TensorPayload.encode([Tensor(name: "w", shape: [1], floats: [1])], options: PayloadOptions(encoding: .q8, blockSize: block))
        }
    }

    @Test func encoderChecksShapeAgainstValues() {
        #expect(throws: PayloadError(tensor: "w", .lengthMismatch(expected: 6, actual: 5))) {
            try TensorPayload.encode([Tensor(name: "w", shape: [2, 3], floats: [1, 2, 3, 4, 5])])
        }
        #expect(throws: PayloadError(tensor: "w", .invalidShape([2, -3]))) {
            try TensorPayload.encode([Tensor(name: "w", shape: [2, -3], floats: [])])
        }
        #expect(throws: PayloadError(tensor: "w", .duplicateName)) {
            try TensorPayload.encode([Tensor(name: "w", shape: [], floats: [1]), Tensor(name: "w", shape: [], floats: [2])])
        }
    }
}
