import Foundation

/// The safetensors file format (8-byte little-endian header length, JSON header, raw
/// little-endian data), written canonically.
///
/// FedTwin stores every set of model parameters this way: Python loads it directly
/// (`safetensors.numpy.load_file`), and because the writer is canonical — tensors in the
/// given order, fixed key order, no whitespace, header padded with spaces to 8 bytes — the
/// SHA-256 of the bytes is a stable content id for the parameters themselves.
public enum SafeTensors {
    /// Canonical bytes for `tensors` (f32 → "F32", f64 → "F64"), with optional string metadata.
    public static func encode(_ tensors: [Tensor], metadata: [String: String] = [:]) -> [UInt8] {
        var header = "{"
        var first = true
        if !metadata.isEmpty {
            header += "\"__metadata__\":{"
            header += metadata.keys.sorted().map { "\(quote($0)):\(quote(metadata[$0]!))" }.joined(separator: ",")
            header += "}"
            first = false
        }
        var offset = 0
        for tensor in tensors {
            let bytes = tensor.values.count * (tensor.dtype == .f32 ? 4 : 8)
            if !first { header += "," }
            first = false
            header += "\(quote(tensor.name)):{\"dtype\":\"\(tensor.dtype == .f32 ? "F32" : "F64")\","
            header += "\"shape\":[\(tensor.shape.map(String.init).joined(separator: ","))],"
            header += "\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }
        var out = [UInt8]()
        out.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out += $0 }
        out += headerBytes
        let dataStart = out.count
        out.append(contentsOf: repeatElement(0, count: offset))
        out.withUnsafeMutableBytes { raw in
            var position = dataStart
            for tensor in tensors {
                switch tensor.values {
                case .f32(let values):
                    for v in values {
                        raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: position, as: UInt32.self)
                        position += 4
                    }
                case .f64(let values):
                    for v in values {
                        raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: position, as: UInt64.self)
                        position += 8
                    }
                }
            }
        }
        return out
    }

    /// SHA-256 (hex) of the canonical encoding without metadata: the parameters' content id.
    public static func contentID(_ tensors: [Tensor]) -> String {
        SHA256.hex(encode(tensors))
    }

    /// Reads a safetensors file with F32/F64 tensors, in data-offset order. Refuses
    /// non-finite values, overlapping or out-of-range offsets, and other dtypes.
    public static func decode(_ bytes: [UInt8], limits: PayloadLimits = .default) throws -> (tensors: [Tensor], metadata: [String: String]) {
        guard bytes.count >= 8 else { throw SafeTensorsError("file shorter than the 8-byte header length") }
        let headerLength = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(min(bytes.count - 8, 100 << 20)) else {
            throw SafeTensorsError("header length \(headerLength) exceeds the file (\(bytes.count) bytes)")
        }
        let dataStart = 8 + Int(headerLength)
        let object: Any
        do {
            let header = Data(bytes[8..<dataStart])
            try StrictJSON.checkKeys(header)
            object = try JSONSerialization.jsonObject(with: header)
        } catch let error as DuplicateKeyError {
            throw SafeTensorsError("header: \(error)")
        } catch {
            throw SafeTensorsError("header is not valid JSON: \(error.localizedDescription)")
        }
        guard let header = object as? [String: Any] else { throw SafeTensorsError("header is not a JSON object") }
        let metadata = (header["__metadata__"] as? [String: String]) ?? [:]
        var entries: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
        for (name, value) in header where name != "__metadata__" {
            guard let entry = value as? [String: Any], let dtypeText = entry["dtype"] as? String,
                  let shape = entry["shape"] as? [Int], let offsets = entry["data_offsets"] as? [Int], offsets.count == 2 else {
                throw SafeTensorsError("tensor '\(name)': entry needs dtype, shape and two data_offsets")
            }
            let dtype: DType
            switch dtypeText {
            case "F32": dtype = .f32
            case "F64": dtype = .f64
            default: throw SafeTensorsError("tensor '\(name)': dtype \(dtypeText) is not supported (F32, F64)")
            }
            guard shape.allSatisfy({ $0 >= 0 }), shape.count <= limits.maxRank else { throw SafeTensorsError("tensor '\(name)': invalid shape \(shape)") }
            var count = 1
            for d in shape {
                let (p, o) = count.multipliedReportingOverflow(by: d)
                guard !o, p <= limits.maxElements else { throw SafeTensorsError("tensor '\(name)': shape \(shape) exceeds limits") }
                count = p
            }
            let width = dtype == .f32 ? 4 : 8
            guard offsets[0] >= 0, offsets[1] - offsets[0] == count * width, dataStart + offsets[1] <= bytes.count else {
                throw SafeTensorsError("tensor '\(name)': data_offsets \(offsets) do not fit shape \(shape) and the file")
            }
            entries.append((name, dtype, shape, offsets[0], offsets[1]))
        }
        entries.sort { $0.begin < $1.begin }
        var previousEnd = 0
        var tensors: [Tensor] = []
        try bytes.withUnsafeBytes { raw in
            for e in entries {
                guard e.begin >= previousEnd else { throw SafeTensorsError("tensor '\(e.name)': data overlaps the previous tensor") }
                previousEnd = e.end
                let base = dataStart + e.begin
                switch e.dtype {
                case .f32:
                    let values = (0..<((e.end - e.begin) / 4)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: base + $0 * 4, as: UInt32.self))) }
                    if let bad = values.firstIndex(where: { !$0.isFinite }) { throw SafeTensorsError("tensor '\(e.name)': non-finite value at element \(bad)") }
                    tensors.append(Tensor(name: e.name, shape: e.shape, floats: values))
                case .f64:
                    let values = (0..<((e.end - e.begin) / 8)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: base + $0 * 8, as: UInt64.self))) }
                    if let bad = values.firstIndex(where: { !$0.isFinite }) { throw SafeTensorsError("tensor '\(e.name)': non-finite value at element \(bad)") }
                    tensors.append(Tensor(name: e.name, shape: e.shape, doubles: values))
                }
            }
        }
        return (tensors, metadata)
    }

    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A safetensors file that cannot be read, with what is wrong in it.
public struct SafeTensorsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
