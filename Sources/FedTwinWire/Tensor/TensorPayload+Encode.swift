extension TensorPayload {
    /// Encodes `tensors` in order, measuring each lossy encoding's reconstruction error.
    ///
    /// Refuses NaN and ±Inf: a non-finite update is always a bug or an attack, and would
    /// poison every aggregate it touched.
    public static func encode(_ tensors: [Tensor], options: PayloadOptions = PayloadOptions()) throws -> TensorPayload {
        var entries: [TensorEntry] = []
        entries.reserveCapacity(tensors.count)
        var names = Set<String>()
        var total = 0
        for tensor in tensors {
            guard !tensor.name.isEmpty else { throw PayloadError(.emptyName) }
            guard names.insert(tensor.name).inserted else { throw PayloadError(tensor: tensor.name, .duplicateName) }
            var count = 1
            for dim in tensor.shape {
                let (product, overflow) = count.multipliedReportingOverflow(by: dim)
                guard dim >= 0, !overflow else { throw PayloadError(tensor: tensor.name, .invalidShape(tensor.shape)) }
                count = product
            }
            guard count == tensor.values.count else {
                throw PayloadError(tensor: tensor.name, .lengthMismatch(expected: count, actual: tensor.values.count))
            }
            if tensor.dtype == .f32, options.encoding == .f64 {
                throw PayloadError(tensor: tensor.name, .encodingNotAllowed(encoding: "f64", dtype: "f32"))
            }
            if options.encoding == .q8, !(1...65536).contains(options.blockSize) {
                throw PayloadError(tensor: tensor.name, .invalidBlockSize(options.blockSize))
            }
            let length = options.encoding.byteLength(count: count, blockSize: options.blockSize)!
            entries.append(TensorEntry(
                name: tensor.name, dtype: tensor.dtype.rawValue, shape: tensor.shape,
                encoding: options.encoding.rawValue,
                blockSize: options.encoding == .q8 ? options.blockSize : nil,
                offset: total, length: length, maxAbsError: 0, rmsError: 0))
            total += length
        }

        var raw = [UInt8](repeating: 0, count: total)
        try raw.withUnsafeMutableBytes { body in
            for (index, tensor) in tensors.enumerated() {
                let entry = entries[index]
                let out = UnsafeMutableRawBufferPointer(rebasing: body[entry.offset..<(entry.offset + entry.length)])
                let error: ReconstructionError
                switch tensor.values {
                case .f32(let values):
                    error = try values.withUnsafeBufferPointer { try encodeElements($0, as: options.encoding, blockSize: options.blockSize, into: out, name: tensor.name) }
                case .f64(let values):
                    error = try values.withUnsafeBufferPointer { try encodeElements($0, as: options.encoding, blockSize: options.blockSize, into: out, name: tensor.name) }
                }
                entries[index].maxAbsError = error.maxAbs
                entries[index].rmsError = error.rms
            }
        }

        let manifest = TensorManifest(rawLength: total, delta: options.delta, tensors: entries)
        if let level = options.compressionLevel {
            return TensorPayload(manifest: manifest, body: try Zlib.deflate(raw, level: level), isCompressed: true)
        }
        return TensorPayload(manifest: manifest, body: raw, isCompressed: false)
    }

    /// Writes one tensor's elements and returns the measured reconstruction error.
    static func encodeElements<T: BinaryFloatingPoint>(
        _ values: UnsafeBufferPointer<T>, as encoding: TensorEncoding, blockSize: Int,
        into out: UnsafeMutableRawBufferPointer, name: String
    ) throws -> ReconstructionError {
        var error = ReconstructionError()
        for i in 0..<values.count where !values[i].isFinite {
            throw PayloadError(tensor: name, .nonFinite(index: i))
        }
        switch encoding {
        case .f64:
            for i in 0..<values.count {
                out.storeBytes(of: Double(values[i]).bitPattern.littleEndian, toByteOffset: i * 8, as: UInt64.self)
            }
        case .f32:
            for i in 0..<values.count {
                let stored = Float(values[i])
                guard stored.isFinite else {
                    // An f64 value beyond the binary32 range would round to ±Inf.
                    throw PayloadError(tensor: name, .outOfRange(index: i, value: Double(values[i]), encoding: "f32"))
                }
                out.storeBytes(of: stored.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
                error.add(original: Double(values[i]), decoded: Double(T(stored)))
            }
        case .f16:
            for i in 0..<values.count {
                let stored = Float16(values[i])
                guard stored.isFinite else {
                    throw PayloadError(tensor: name, .outOfRange(index: i, value: Double(values[i]), encoding: "f16"))
                }
                out.storeBytes(of: stored.bitPattern.littleEndian, toByteOffset: i * 2, as: UInt16.self)
                error.add(original: Double(values[i]), decoded: Double(T(stored)))
            }
        case .q8:
            let blocks = (values.count + blockSize - 1) / blockSize
            let codes = blocks * 8
            for block in 0..<blocks {
                let start = block * blockSize
                let end = min(values.count, start + blockSize)
                var lo = Double(values[start]), hi = lo
                for i in start..<end {
                    let x = Double(values[i])
                    lo = Swift.min(lo, x)
                    hi = Swift.max(hi, x)
                }
                let offset = Float(lo)
                let scale = Float((hi - Double(offset)) / 255)
                guard offset.isFinite, scale.isFinite else {
                    throw PayloadError(tensor: name, .outOfRange(index: start, value: hi - lo, encoding: "q8"))
                }
                out.storeBytes(of: scale.bitPattern.littleEndian, toByteOffset: block * 8, as: UInt32.self)
                out.storeBytes(of: offset.bitPattern.littleEndian, toByteOffset: block * 8 + 4, as: UInt32.self)
                let o = Double(offset), s = Double(scale)
                for i in start..<end {
                    let q: Double
                    if s > 0 {
                        q = Swift.min(255, Swift.max(0, ((Double(values[i]) - o) / s).rounded(.toNearestOrEven)))
                    } else {
                        q = 0
                    }
                    out.storeBytes(of: UInt8(q), toByteOffset: codes + i, as: UInt8.self)
                    error.add(original: Double(values[i]), decoded: Double(T(o + s * q)))
                }
            }
        }
        error.finish(count: values.count)
        return error
    }
}

/// Running max-abs and RMS of (original − decoded).
struct ReconstructionError {
    var maxAbs: Double = 0
    var sumSquares: Double = 0
    var rms: Double = 0

    @inline(__always)
    mutating func add(original: Double, decoded: Double) {
        let d = original - decoded
        maxAbs = Swift.max(maxAbs, abs(d))
        sumSquares += d * d
    }

    mutating func finish(count: Int) {
        rms = count > 0 ? (sumSquares / Double(count)).squareRoot() : 0
    }
}
