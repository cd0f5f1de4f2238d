import Testing
@testable import FedTwinWire

/// The manifest's recorded errors must be the true reconstruction errors: computed here in
/// binary64 from the original values and what a decoder actually returns.
@Suite("Recorded reconstruction error")
struct QuantisationErrorTests {
    /// Encodes, decodes, and checks each entry's recorded max-abs and RMS error against
    /// the true error (equal within 1e-12 relative). Returns (original, decoded, entry).
    @discardableResult
    private func checkRecorded(_ tensors: [Tensor], _ options: PayloadOptions, _ note: Comment) throws -> [([Double], [Double], TensorEntry)] {
        let payload = try TensorPayload.encode(tensors, options: options)
        let decoded = try TensorPayload.decode(manifest: payload.manifest, body: payload.body, isCompressed: payload.isCompressed)
        var out: [([Double], [Double], TensorEntry)] = []
        for ((original, back), entry) in zip(zip(tensors, decoded), payload.manifest.tensors) {
            let x = original.values.doubles, y = back.values.doubles
            let truth = Reference.errors(x, y)
            #expect(close(entry.maxAbsError, truth.maxAbs), "\(note) \(entry.name): recorded max \(entry.maxAbsError), true \(truth.maxAbs)")
            #expect(close(entry.rmsError, truth.rms), "\(note) \(entry.name): recorded rms \(entry.rmsError), true \(truth.rms)")
            #expect(entry.rmsError <= entry.maxAbsError * (1 + 1e-12))
            if options.encoding.isLossy(for: original.dtype) == false {
                #expect(entry.maxAbsError == 0 && entry.rmsError == 0, "\(note): lossless encodings record 0")
            }
            out.append((x, y, entry))
        }
        return out
    }

    @Test(arguments: DType.allCases, [1, 2, 5, 32, 256])
    func q8ErrorIsRecordedAndBounded(dtype: DType, blockSize: Int) throws {
        for seed in propertySeeds {
            var rng = SeededRandom(seed: seed &+ UInt64(blockSize))
            let tensors = rng.tensors(count: 3, dtype: dtype, maxMagnitude: 1e4)
            let results = try checkRecorded(tensors, PayloadOptions(encoding: .q8, blockSize: blockSize, compressionLevel: 6), "seed \(seed)")
            // Independent bound per block: half a quantisation step, plus the rounding of
            // the offset to f32, plus the final rounding to the dtype.
            for (x, y, _) in results {
                for block in Reference.blocks(x, blockSize: blockSize) {
                    let magnitude = max(abs(block.lo), abs(block.hi))
                    // (A block whose f32 offset rounds above its max has a negative scale
                    // and decodes to the offset.)
                    let slack = abs(block.offset - block.lo) + abs((block.hi - block.offset) - 255 * block.scale)
                        + (dtype == .f32 ? Double(Float(magnitude).ulp) : magnitude * 1e-15)
                    let bound = 0.5 * max(0, block.scale) * (1 + 1e-9) + slack
                    for i in block.range {
                        #expect(abs(x[i] - y[i]) <= bound, "seed \(seed) element \(i): error \(abs(x[i] - y[i])) > bound \(bound)")
                    }
                }
            }
        }
    }

    /// A constant block has scale 0: every element decodes to f32(offset).
    @Test func q8ConstantBlock() throws {
        let results = try checkRecorded([Tensor(name: "c", shape: [5], doubles: [0.1, 0.1, 0.1, 0.1, 0.1])],
                                        PayloadOptions(encoding: .q8, blockSize: 5), "constant")
        #expect(results[0].1 == [Double](repeating: Double(Float(0.1)), count: 5))
        #expect(results[0].2.maxAbsError == abs(0.1 - Double(Float(0.1))))
    }

    /// q8 of an evenly spaced ramp over [0, 255] in one block is exact: every value is a code.
    @Test func q8RampIsExact() throws {
        let ramp = (0...255).map { Float($0) }
        let results = try checkRecorded([Tensor(name: "r", shape: [256], floats: ramp)], PayloadOptions(encoding: .q8, blockSize: 256), "ramp")
        #expect(results[0].1 == ramp.map(Double.init))
        #expect(results[0].2.maxAbsError == 0)
    }

    @Test(arguments: DType.allCases)
    func f16ErrorIsRecordedAndBounded(dtype: DType) throws {
        for seed in propertySeeds {
            var rng = SeededRandom(seed: seed)
            var tensors = rng.tensors(count: 3, dtype: dtype, maxMagnitude: 60000)
            tensors.append(Tensor(name: "edges", shape: [6], doubles: [65504, -65504, 65519.99, 1e-8, -6e-5, 0.1]))
            for (x, y, _) in try checkRecorded(tensors, PayloadOptions(encoding: .f16, compressionLevel: nil), "seed \(seed)") {
                for (a, b) in zip(x, y) {
                    // Half an fp16 ulp: relative 2^-11 for normals, absolute 2^-25 below.
                    #expect(abs(a - b) <= max(abs(a) * 0x1p-11, 0x1p-25), "seed \(seed): \(a) → \(b)")
                }
            }
        }
    }

    @Test func f64StoredAsF32ErrorIsRecordedAndBounded() throws {
        for seed in propertySeeds {
            var rng = SeededRandom(seed: seed)
            let tensors = rng.tensors(count: 4, dtype: .f64, maxMagnitude: 1e30)
            for (x, y, entry) in try checkRecorded(tensors, PayloadOptions(encoding: .f32), "seed \(seed)") {
                for (a, b) in zip(x, y) {
                    #expect(abs(a - b) <= abs(a) * 0x1p-24, "seed \(seed): \(a) → \(b)")
                }
                if x.contains(where: { Double(Float($0)) != $0 }) { #expect(entry.maxAbsError > 0) }
            }
        }
    }

    @Test(arguments: [TensorEncoding.f32, .f64])
    func losslessEncodingsRecordZero(encoding: TensorEncoding) throws {
        for seed in propertySeeds {
            var rng = SeededRandom(seed: seed)
            let tensors = rng.tensors(count: 4, dtype: encoding == .f32 ? .f32 : .f64)
            for (_, _, entry) in try checkRecorded(tensors, PayloadOptions(encoding: encoding), "seed \(seed)") {
                #expect(entry.maxAbsError == 0)
                #expect(entry.rmsError == 0)
            }
        }
    }

    @Test func emptyTensorRecordsZero() throws {
        for encoding in [TensorEncoding.f16, .q8, .f32] {
            try checkRecorded([Tensor(name: "e", shape: [0], doubles: [])], PayloadOptions(encoding: encoding), "\(encoding)")
        }
    }

    // MARK: Values an encoding cannot hold

    /// |x| whose binary16 rounding overflows (≥ 65520) is refused, naming the element.
    @Test(arguments: [65520, -65520, 70000, 1e6, -3.4e38] as [Double], DType.allCases)
    func f16OutOfRangeIsRefused(value: Double, dtype: DType) {
        let values: [Double] = [1, 2, value, 4]
        let tensor = dtype == .f32 ? Tensor(name: "w", shape: [4], floats: values.map { Float($0) }) : Tensor(name: "w", shape: [4], doubles: values)
        let stored = dtype == .f32 ? Double(Float(value)) : value
        #expect(throws: PayloadError(tensor: "w", .outOfRange(index: 2, value: stored, encoding: "f16"))) {
            try TensorPayload.encode([tensor], options: PayloadOptions(encoding: .f16))
        }
    }

    /// 65504 is the largest binary16 value: accepted, and reproduced exactly.
    @Test func f16LargestFiniteIsAccepted() throws {
        let payload = try TensorPayload.encode([Tensor(name: "w", shape: [2], floats: [65504, -65504])], options: PayloadOptions(encoding: .f16))
        let back = try TensorPayload.decode(manifest: payload.manifest, body: payload.body, isCompressed: payload.isCompressed)
        #expect(back[0].values == .f32([65504, -65504]))
        #expect(payload.manifest.tensors[0].maxAbsError == 0)
    }

    /// Blocks spanning the whole binary32 range still encode to finite values (or are refused).
    @Test func q8AtTheEdgesOfF32() throws {
        let max = Float.greatestFiniteMagnitude
        for values in [[0, max], [-max, max], [-max, 0], [max, max, -max, 1]] as [[Float]] {
            let tensor = Tensor(name: "w", shape: [values.count], floats: values)
            let payload = try TensorPayload.encode([tensor], options: PayloadOptions(encoding: .q8, blockSize: 4))
            let entry = payload.manifest.tensors[0]
            #expect(entry.maxAbsError.isFinite && entry.rmsError.isFinite, "\(values)")
            let back = try TensorPayload.decode(manifest: payload.manifest, body: payload.body, isCompressed: payload.isCompressed)
            #expect(close(entry.maxAbsError, Reference.errors(tensor.values.doubles, back[0].values.doubles).maxAbs), "\(values)")
        }
    }

    /// An f64 value beyond the binary32 range cannot be stored as f32 or as a q8 offset.
    @Test func f64BeyondF32RangeIsRefused() {
        let tensor = Tensor(name: "w", shape: [6], doubles: [1, 2, 3, 4, 5, 1e300])
        #expect(throws: PayloadError(tensor: "w", .outOfRange(index: 5, value: 1e300, encoding: "f32"))) {
            try TensorPayload.encode([tensor], options: PayloadOptions(encoding: .f32))
        }
        #expect(throws: PayloadError(tensor: "w", .outOfRange(index: 4, value: 1e300 - 5, encoding: "q8"))) {
            try TensorPayload.encode([tensor], options: PayloadOptions(encoding: .q8, blockSize: 4))
        }
    }
}
