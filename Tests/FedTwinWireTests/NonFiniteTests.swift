import Testing
@testable import FedTwinWire

/// NaN and ±Inf never cross the wire: the encoder refuses them, and a receiver refuses a
/// validly signed frame that carries one anyway.
@Suite("Non-finite values")
struct NonFiniteTests {
    static let poisons: [Double] = [.nan, .infinity, -.infinity, .signalingNaN]

    static let storage: [(DType, TensorEncoding)] = [(.f32, .f32), (.f32, .f16), (.f32, .q8), (.f64, .f64), (.f64, .f32), (.f64, .f16), (.f64, .q8)]

    @Test(arguments: poisons)
    func refusedAtEncodeWithItsIndex(poison: Double) throws {
        var rng = SeededRandom(seed: 42)
        for (dtype, encoding) in Self.storage {
            for _ in 0..<4 {
                let n = Int.random(in: 1...40, using: &rng)
                var values = rng.values(n, maxMagnitude: 100)
                let index = Int.random(in: 0..<n, using: &rng)
                values[index] = poison
                if Bool.random(using: &rng), index + 1 < n { values[n - 1] = poison } // only the first is reported
                let clean = dtype == .f32 ? Tensor(name: "clean", shape: [2], floats: [1, 2]) : Tensor(name: "clean", shape: [2], doubles: [1, 2])
                let bad = dtype == .f32 ? Tensor(name: "bad", shape: [n], floats: values.map { Float($0) }) : Tensor(name: "bad", shape: [n], doubles: values)
                let options = PayloadOptions(encoding: encoding, blockSize: 3)
                #expect(throws: PayloadError(tensor: "bad", .nonFinite(index: index)), "\(dtype)→\(encoding)") {
                    try TensorPayload.encode([clean, bad], options: options)
                }
                // The codec refuses it too, with the same error, before signing anything.
                #expect(throws: PayloadError(tensor: "bad", .nonFinite(index: index))) {
                    try MessageCodec().encode(.update(Update(baseVersionID: sampleBaseID, samples: 1, metrics: [:])),
                                              envelope: Envelope(sender: Keys.a.publicKey.fingerprint),
                                              tensors: [clean, bad], options: options, signer: Keys.a)
                }
            }
        }
    }

    @Test func nonFiniteMetricIsRefusedAtEncode() {
        let error = #expect(throws: FrameError.self) {
            try MessageCodec().encode(.evaluation(Evaluation(versionID: sampleBaseID, samples: 1, metrics: ["rmse": .infinity])),
                                      envelope: Envelope(sender: Keys.a.publicKey.fingerprint), signer: Keys.a)
        }
        guard case .malformedHeader(let detail)? = error?.problem else {
            Issue.record("expected malformedHeader, got \(String(describing: error))")
            return
        }
        #expect(detail.contains("NaN and Inf are not allowed"))
    }

    // MARK: Decode: signed frames made by hand, bypassing the encoder

    struct Crafted: Sendable, CustomTestStringConvertible {
        var label: String
        var dtype: String
        var encoding: String
        var blockSize: Int?
        var count: Int
        var body: [UInt8]
        var badIndex: Int
        var testDescription: String { label }
    }

    static let crafted: [Crafted] = [
        Crafted(label: "f32 NaN", dtype: "f32", encoding: "f32", count: 4, body: le([1, .nan, 2, 3] as [Float]), badIndex: 1),
        Crafted(label: "f32 +Inf last", dtype: "f32", encoding: "f32", count: 3, body: le([1, 2, .infinity] as [Float]), badIndex: 2),
        Crafted(label: "f32 storage of f64 -Inf", dtype: "f64", encoding: "f32", count: 2, body: le([-.infinity, 0] as [Float]), badIndex: 0),
        Crafted(label: "f64 Inf", dtype: "f64", encoding: "f64", count: 3, body: le([0.5, 1, .infinity] as [Double]), badIndex: 2),
        Crafted(label: "f64 NaN payload", dtype: "f64", encoding: "f64", count: 2, body: le([Double(bitPattern: 0x7FF0_0000_0000_0001), 1]), badIndex: 0),
        Crafted(label: "f16 Inf", dtype: "f32", encoding: "f16", count: 4, body: [0x00, 0x3C, 0x00, 0x3C, 0x00, 0x3C, 0x00, 0x7C], badIndex: 3),
        Crafted(label: "f16 NaN", dtype: "f64", encoding: "f16", count: 2, body: [0x00, 0x7E, 0x00, 0x3C], badIndex: 0),
        // q8 block 1 (elements 2...3) has a NaN scale.
        Crafted(label: "q8 NaN scale", dtype: "f32", encoding: "q8", blockSize: 2, count: 4,
                body: le([0.1, 0, .nan, 0] as [Float]) + [0, 255, 0, 7], badIndex: 2),
        Crafted(label: "q8 Inf offset", dtype: "f64", encoding: "q8", blockSize: 4, count: 3,
                body: le([0.1, .infinity] as [Float]) + [1, 2, 3], badIndex: 0),
        // Finite scale and offset whose reconstruction overflows binary32 at code 255.
        Crafted(label: "q8 overflow to f32", dtype: "f32", encoding: "q8", blockSize: 2, count: 2,
                body: le([3e38, 3e38] as [Float]) + [0, 255], badIndex: 1),
    ]

    private func manifest(_ c: Crafted) -> TensorManifest {
        TensorManifest(rawLength: c.body.count, tensors: [
            TensorEntry(name: "w", dtype: c.dtype, shape: [c.count], encoding: c.encoding, blockSize: c.blockSize,
                        offset: 0, length: c.body.count, maxAbsError: 0, rmsError: 0),
        ])
    }

    @Test(arguments: crafted)
    func refusedByPayloadDecoder(_ c: Crafted) throws {
        let expected = PayloadError(tensor: "w", .nonFinite(index: c.badIndex))
        #expect(throws: expected) { try TensorPayload.decode(manifest: manifest(c), body: c.body, isCompressed: false) }
        let compressed = try Zlib.deflate(c.body)
        #expect(throws: expected) { try TensorPayload.decode(manifest: manifest(c), body: compressed, isCompressed: true) }
    }

    @Test(arguments: crafted, [false, true])
    func refusedInASignedFrame(_ c: Crafted, compressed: Bool) throws {
        for type in [MessageType.update, .task, .evaluate] {
            let message: Message = switch type {
            case .task: .task(TrainingTask(baseVersion: 1, baseVersionID: sampleBaseID, parametersID: sampleBaseID, component: "c", training: TrainingSettings(), deadlineSeconds: 1))
            case .evaluate: .evaluate(Evaluate(version: 1, versionID: sampleBaseID, parametersID: sampleBaseID))
            default: .update(Update(baseVersionID: sampleBaseID, samples: 1, metrics: [:]))
            }
            let header = try craftHeader(message, manifest: manifest(c))
            let body = compressed ? try Zlib.deflate(c.body) : c.body
            let frame = try craftFrame(type: type, flags: compressed ? .bodyCompressed : [], header: header, body: body)
            // The frame itself is sound: structure and signature pass.
            try Frame(parsing: frame).verifySignature(with: Keys.a.publicKey)
            #expect(throws: FrameError(.payload(PayloadError(tensor: "w", .nonFinite(index: c.badIndex)))), "\(type)") {
                try receive(frame)
            }
        }
    }

    /// The same q8 block that overflows binary32 is fine for an f64 tensor.
    @Test func q8LargeButFiniteForF64() throws {
        var c = Self.crafted.last!
        c.dtype = "f64"
        let tensors = try TensorPayload.decode(manifest: manifest(c), body: c.body, isCompressed: false)
        #expect(tensors[0].values == .f64([Double(Float(3e38)), Double(Float(3e38)) + Double(Float(3e38)) * 255]))
    }
}
