import Testing
@testable import FedTwinWire

/// A manifest that does not describe its body is refused with the rule it breaks, before
/// anything is allocated for it.
@Suite("Payload refusals")
struct PayloadRefusalTests {
    /// Two valid f32 tensors, uncompressed: "w" [2,2] at 0..<16 and "b" [2] at 16..<24.
    private func valid() throws -> TensorPayload {
        try TensorPayload.encode([Tensor(name: "w", shape: [2, 2], floats: [1, 2, 3, 4]), Tensor(name: "b", shape: [2], floats: [5, 6])],
                                 options: PayloadOptions(encoding: .f32, compressionLevel: nil))
    }

    private func decode(_ edit: (inout TensorManifest) -> Void, body: [UInt8]? = nil, limits: PayloadLimits = .default) throws {
        let payload = try valid()
        var manifest = payload.manifest
        edit(&manifest)
        _ = try TensorPayload.decode(manifest: manifest, body: body ?? payload.body, isCompressed: false, limits: limits)
    }

    @Test(arguments: ["f16", "bf16", "F32", "", "float32"])
    func unknownDType(dtype: String) {
        #expect(throws: PayloadError(tensor: "b", .unknownDType(dtype))) { try decode { $0.tensors[1].dtype = dtype } }
    }

    @Test(arguments: ["q4", "int8", "F16", "", "zlib"])
    func unknownEncoding(encoding: String) {
        #expect(throws: PayloadError(tensor: "w", .unknownEncoding(encoding))) { try decode { $0.tensors[0].encoding = encoding } }
    }

    @Test func f64StorageForF32DTypeIsRefused() {
        #expect(throws: PayloadError(tensor: "w", .encodingNotAllowed(encoding: "f64", dtype: "f32"))) {
            try decode { $0.tensors[0].encoding = "f64"; $0.tensors[0].length = 32 }
        }
    }

    /// The shape says 6 elements (24 bytes) but the entry claims 16.
    @Test func shapeAndByteLengthMismatch() {
        #expect(throws: PayloadError(tensor: "w", .lengthMismatch(expected: 24, actual: 16))) { try decode { $0.tensors[0].shape = [2, 3] } }
        #expect(throws: PayloadError(tensor: "b", .lengthMismatch(expected: 8, actual: 12))) { try decode { $0.tensors[1].length = 12 } }
        // Same bytes, different encoding: f16 needs half.
        #expect(throws: PayloadError(tensor: "w", .lengthMismatch(expected: 8, actual: 16))) { try decode { $0.tensors[0].encoding = "f16" } }
        // q8 with block 2: 2 blocks × 8 + 4 codes = 20.
        #expect(throws: PayloadError(tensor: "w", .lengthMismatch(expected: 20, actual: 16))) {
            try decode { $0.tensors[0].encoding = "q8"; $0.tensors[0].blockSize = 2 }
        }
    }

    @Test func offsetMismatch() {
        #expect(throws: PayloadError(tensor: "b", .offsetMismatch(expected: 16, actual: 20))) { try decode { $0.tensors[1].offset = 20 } }
        #expect(throws: PayloadError(tensor: "b", .offsetMismatch(expected: 16, actual: 0))) { try decode { $0.tensors[1].offset = 0 } }
        #expect(throws: PayloadError(tensor: "w", .offsetMismatch(expected: 0, actual: 8))) { try decode { $0.tensors[0].offset = 8 } }
    }

    @Test func tensorsMustCoverTheBodyExactly() throws {
        // rawLength larger than the tensors.
        #expect(throws: PayloadError(.bodyLengthMismatch(declared: 28, actual: 24))) {
            try decode({ $0.rawLength = 28 }, body: try valid().body + [0, 0, 0, 0])
        }
        // rawLength smaller: the second tensor runs past it.
        #expect(throws: PayloadError(tensor: "b", .bodyLengthMismatch(declared: 20, actual: 24))) {
            try decode({ $0.rawLength = 20 }, body: Array(try valid().body.prefix(20)))
        }
        // An uncompressed body of another size than rawLength.
        #expect(throws: PayloadError(.bodyLengthMismatch(declared: 23, actual: 24))) { try decode({ _ in }, body: Array(try valid().body.prefix(23))) }
    }

    /// rawLength is checked before the inflate buffer is allocated: a 1 TiB claim costs nothing.
    @Test(arguments: [(512 << 20) + 1, 1 << 40, Int.max])
    func rawLengthOverLimit(rawLength: Int) {
        let start = ContinuousClock.now
        #expect(throws: PayloadError(.limitExceeded(field: "rawLength", value: rawLength, limit: 512 << 20))) {
            try TensorPayload.decode(manifest: TensorManifest(rawLength: rawLength, tensors: []), body: [0x78, 0x9c], isCompressed: true)
        }
        #expect(ContinuousClock.now - start < .seconds(1))
        #expect(throws: PayloadError(.limitExceeded(field: "rawLength", value: 25, limit: 24))) {
            try decode({ $0.rawLength = 25 }, limits: PayloadLimits(maxRawLength: 24))
        }
    }

    @Test func negativeRawLengthIsRefused() {
        #expect(throws: PayloadError(.limitExceeded(field: "rawLength", value: -1, limit: 512 << 20))) { try decode { $0.rawLength = -1 } }
    }

    @Test func tooManyTensors() {
        #expect(throws: PayloadError(.limitExceeded(field: "tensors", value: 2, limit: 1))) {
            try decode({ _ in }, limits: PayloadLimits(maxTensors: 1))
        }
        let many = TensorManifest(rawLength: 0, tensors: (0..<4097).map {
            TensorEntry(name: "t\($0)", dtype: "f32", shape: [0], encoding: "f32", blockSize: nil, offset: 0, length: 0, maxAbsError: 0, rmsError: 0)
        })
        #expect(throws: PayloadError(.limitExceeded(field: "tensors", value: 4097, limit: 4096))) {
            try TensorPayload.decode(manifest: many, body: [], isCompressed: false)
        }
    }

    @Test func otherLimits() {
        #expect(throws: PayloadError(tensor: "w", .limitExceeded(field: "rank", value: 2, limit: 1))) {
            try decode({ _ in }, limits: PayloadLimits(maxRank: 1))
        }
        #expect(throws: PayloadError(tensor: "w", .limitExceeded(field: "elements", value: 4, limit: 3))) {
            try decode({ _ in }, limits: PayloadLimits(maxElements: 3))
        }
        #expect(throws: PayloadError(tensor: "w", .limitExceeded(field: "name bytes", value: 1, limit: 0))) {
            try decode({ _ in }, limits: PayloadLimits(maxNameBytes: 0))
        }
    }

    @Test func invalidShapes() {
        #expect(throws: PayloadError(tensor: "w", .invalidShape([-2, -2]))) { try decode { $0.tensors[0].shape = [-2, -2] } }
        // The element count overflows Int: refused, not trapped.
        let huge = [Int.max / 2, 3]
        #expect(throws: PayloadError(tensor: "w", .invalidShape(huge))) { try decode { $0.tensors[0].shape = huge } }
        // Fits in Int but not in the element limit.
        #expect(throws: PayloadError(tensor: "w", .limitExceeded(field: "elements", value: 1 << 40, limit: 128 << 20))) {
            try decode { $0.tensors[0].shape = [1 << 20, 1 << 20] }
        }
    }

    @Test(arguments: [nil, 0, -1, 65537] as [Int?])
    func invalidBlockSize(block: Int?) {
        #expect(throws: PayloadError(tensor: "w", .invalidBlockSize(block))) {
            try decode { $0.tensors[0].encoding = "q8"; $0.tensors[0].blockSize = block; $0.tensors[0].length = 12 }
        }
    }

    @Test func emptyName() {
        #expect(throws: PayloadError(.emptyName)) { try decode { $0.tensors[1].name = "" } }
        #expect(throws: PayloadError(.emptyName)) { try TensorPayload.encode([Tensor(name: "", shape: [], floats: [1])]) }
    }

    @Test func duplicateNames() {
        #expect(throws: PayloadError(tensor: "w", .duplicateName)) { try decode { $0.tensors[1].name = "w" } }
    }

    /// The same refusals surface from a signed frame, wrapped as `FrameError.payload`.
    @Test func refusalsInsideASignedFrame() throws {
        let payload = try valid()
        var manifest = payload.manifest
        manifest.tensors[0].dtype = "bf16"
        let header = try craftHeader(.update(Update(baseVersionID: sampleBaseID, samples: 1, metrics: [:])), manifest: manifest)
        let frame = try craftFrame(type: .update, header: header, body: payload.body)
        #expect(throws: FrameError(.payload(PayloadError(tensor: "w", .unknownDType("bf16"))))) { try receive(frame) }

        manifest = payload.manifest
        manifest.tensors[1].shape = [3]
        let header2 = try craftHeader(.task(TrainingTask(baseVersion: 0, baseVersionID: "", parametersID: "", component: "c", training: TrainingSettings(), deadlineSeconds: 1)), manifest: manifest)
        let frame2 = try craftFrame(type: .task, header: header2, body: payload.body)
        #expect(throws: FrameError(.payload(PayloadError(tensor: "b", .lengthMismatch(expected: 12, actual: 8))))) { try receive(frame2) }

        // The receiver's own payload limits apply.
        let ok = try craftFrame(type: .update, header: try craftHeader(.update(Update(baseVersionID: sampleBaseID, samples: 1, metrics: [:])), manifest: payload.manifest), body: payload.body)
        _ = try receive(ok)
        #expect(throws: FrameError(.payload(PayloadError(.limitExceeded(field: "rawLength", value: 24, limit: 16))))) {
            try receive(ok, limits: FrameLimits(payload: PayloadLimits(maxRawLength: 16)))
        }
    }
}
