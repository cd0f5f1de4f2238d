extension TensorPayload {
    /// Checks the manifest against `limits` and its own arithmetic, inflates the body
    /// into exactly the declared size, and decodes every tensor.
    ///
    /// Nothing is allocated for a size that has not been checked first, and a non-finite
    /// decoded value is refused.
    public static func decode(
        manifest: TensorManifest, body: UnsafeRawBufferPointer, isCompressed: Bool,
        limits: PayloadLimits = .default
    ) throws -> [Tensor] {
        let plan = try validate(manifest, limits: limits)
        if isCompressed {
            var raw = [UInt8](unsafeUninitializedCapacity: manifest.rawLength) { _, count in count = manifest.rawLength }
            do {
                try raw.withUnsafeMutableBytes { try Zlib.inflate(body, into: $0) }
            } catch let error as ZlibError {
                throw PayloadError(.inflate(error))
            }
            return try raw.withUnsafeBytes { try decodeTensors(plan, from: $0) }
        }
        guard body.count == manifest.rawLength else {
            throw PayloadError(.bodyLengthMismatch(declared: body.count, actual: manifest.rawLength))
        }
        return try decodeTensors(plan, from: body)
    }

    public static func decode(manifest: TensorManifest, body: [UInt8], isCompressed: Bool, limits: PayloadLimits = .default) throws -> [Tensor] {
        try body.withUnsafeBytes { try decode(manifest: manifest, body: $0, isCompressed: isCompressed, limits: limits) }
    }

    /// A manifest entry with its text fields resolved.
    struct PlannedTensor {
        var entry: TensorEntry
        var dtype: DType
        var encoding: TensorEncoding
        var count: Int
        var blockSize: Int
    }

    static func validate(_ manifest: TensorManifest, limits: PayloadLimits) throws -> [PlannedTensor] {
        guard manifest.rawLength >= 0 else {
            throw PayloadError(.limitExceeded(field: "rawLength", value: manifest.rawLength, limit: limits.maxRawLength))
        }
        guard manifest.rawLength <= limits.maxRawLength else {
            throw PayloadError(.limitExceeded(field: "rawLength", value: manifest.rawLength, limit: limits.maxRawLength))
        }
        guard manifest.tensors.count <= limits.maxTensors else {
            throw PayloadError(.limitExceeded(field: "tensors", value: manifest.tensors.count, limit: limits.maxTensors))
        }
        var plan: [PlannedTensor] = []
        plan.reserveCapacity(manifest.tensors.count)
        var names = Set<String>()
        var expectedOffset = 0
        for entry in manifest.tensors {
            let name = entry.name
            guard name.utf8.count <= limits.maxNameBytes else {
                throw PayloadError(tensor: String(name.prefix(64)), .limitExceeded(field: "name bytes", value: name.utf8.count, limit: limits.maxNameBytes))
            }
            guard !name.isEmpty else { throw PayloadError(.emptyName) }
            guard names.insert(name).inserted else { throw PayloadError(tensor: name, .duplicateName) }
            guard let dtype = DType(rawValue: entry.dtype) else { throw PayloadError(tensor: name, .unknownDType(entry.dtype)) }
            guard let encoding = TensorEncoding(rawValue: entry.encoding) else { throw PayloadError(tensor: name, .unknownEncoding(entry.encoding)) }
            if dtype == .f32, encoding == .f64 {
                throw PayloadError(tensor: name, .encodingNotAllowed(encoding: entry.encoding, dtype: entry.dtype))
            }
            guard entry.shape.count <= limits.maxRank else {
                throw PayloadError(tensor: name, .limitExceeded(field: "rank", value: entry.shape.count, limit: limits.maxRank))
            }
            var count = 1
            for dim in entry.shape {
                guard dim >= 0 else { throw PayloadError(tensor: name, .invalidShape(entry.shape)) }
                let (product, overflow) = count.multipliedReportingOverflow(by: dim)
                guard !overflow else { throw PayloadError(tensor: name, .invalidShape(entry.shape)) }
                count = product
            }
            guard count <= limits.maxElements else {
                throw PayloadError(tensor: name, .limitExceeded(field: "elements", value: count, limit: limits.maxElements))
            }
            var blockSize = 0
            if encoding == .q8 {
                guard let b = entry.blockSize, (1...65536).contains(b) else { throw PayloadError(tensor: name, .invalidBlockSize(entry.blockSize)) }
                blockSize = b
            }
            guard let length = encoding.byteLength(count: count, blockSize: blockSize), length == entry.length else {
                throw PayloadError(tensor: name, .lengthMismatch(expected: encoding.byteLength(count: count, blockSize: blockSize) ?? -1, actual: entry.length))
            }
            guard entry.offset == expectedOffset else { throw PayloadError(tensor: name, .offsetMismatch(expected: expectedOffset, actual: entry.offset)) }
            expectedOffset += length
            guard expectedOffset <= manifest.rawLength else {
                throw PayloadError(tensor: name, .bodyLengthMismatch(declared: manifest.rawLength, actual: expectedOffset))
            }
            plan.append(PlannedTensor(entry: entry, dtype: dtype, encoding: encoding, count: count, blockSize: blockSize))
        }
        guard expectedOffset == manifest.rawLength else {
            throw PayloadError(.bodyLengthMismatch(declared: manifest.rawLength, actual: expectedOffset))
        }
        return plan
    }

    static func decodeTensors(_ plan: [PlannedTensor], from raw: UnsafeRawBufferPointer) throws -> [Tensor] {
        var tensors: [Tensor] = []
        tensors.reserveCapacity(plan.count)
        for item in plan {
            let bytes = UnsafeRawBufferPointer(rebasing: raw[item.entry.offset..<(item.entry.offset + item.entry.length)])
            let values: TensorValues
            switch item.dtype {
            case .f32:
                values = .f32(try decodeElements(Float.self, bytes, item))
            case .f64:
                values = .f64(try decodeElements(Double.self, bytes, item))
            }
            tensors.append(Tensor(name: item.entry.name, shape: item.entry.shape, values: values))
        }
        return tensors
    }

    static func decodeElements<T: BinaryFloatingPoint>(_: T.Type, _ bytes: UnsafeRawBufferPointer, _ item: PlannedTensor) throws -> [T] {
        let count = item.count
        var firstBad = -1
        // The finite check rides along with the conversion (or, for q8, is done once per
        // block on its extreme codes), so decoding stays a single pass over the tensor.
        let values = [T](unsafeUninitializedCapacity: count) { out, initialized in
            switch item.encoding {
            case .f32:
                for i in 0..<count {
                    let v = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
                    if !v.isFinite, firstBad < 0 { firstBad = i }
                    out[i] = T(v)
                }
            case .f64:
                for i in 0..<count {
                    let v = Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)))
                    let t = T(v)
                    if !t.isFinite, firstBad < 0 { firstBad = i }
                    out[i] = t
                }
            case .f16:
                for i in 0..<count {
                    let v = Float16(bitPattern: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)))
                    if !v.isFinite, firstBad < 0 { firstBad = i }
                    out[i] = T(v)
                }
            case .q8:
                let blockSize = item.blockSize
                let blocks = (count + blockSize - 1) / blockSize
                let codes = blocks * 8
                for block in 0..<blocks {
                    let s = Double(Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: block * 8, as: UInt32.self))))
                    let o = Double(Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: block * 8 + 4, as: UInt32.self))))
                    let start = block * blockSize
                    let end = min(count, start + blockSize)
                    // x̂ is monotonic in the code, so the block is finite iff both ends are.
                    if firstBad < 0, !(T(o).isFinite && T(o + s * 255).isFinite) {
                        for i in start..<end where !T(o + s * Double(bytes[codes + i])).isFinite {
                            firstBad = i
                            break
                        }
                    }
                    for i in start..<end {
                        out[i] = T(o + s * Double(bytes[codes + i]))
                    }
                }
            }
            initialized = count
        }
        if firstBad >= 0 { throw PayloadError(tensor: item.entry.name, .nonFinite(index: firstBad)) }
        return values
    }
}
