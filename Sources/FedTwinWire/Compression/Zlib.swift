import CZlib

/// zlib (RFC 1950) compression of frame bodies.
///
/// Inflation always writes into a buffer of the size the signed manifest declares and
/// refuses a stream that wants to produce more: a small body cannot make the receiver
/// allocate gigabytes.
public enum Zlib {
    /// Compresses `input` at `level` (0–9; FedTwin's default is 6).
    public static func deflate(_ input: UnsafeRawBufferPointer, level: Int32 = 6) throws -> [UInt8] {
        guard (0...9).contains(level) else { throw ZlibError(operation: "deflate", code: Z_STREAM_ERROR, detail: "level \(level) is outside 0...9") }
        var stream = z_stream()
        var status = fedtwin_deflateInit(&stream, level)
        guard status == Z_OK else { throw ZlibError(operation: "deflateInit", code: status, detail: nil) }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let produced: Int = try output.withUnsafeMutableBytes { out in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
            stream.avail_out = uInt(out.count)
            status = CZlib.deflate(&stream, Z_FINISH)
            guard status == Z_STREAM_END else {
                throw ZlibError(operation: "deflate", code: status, detail: stream.msg.map { String(cString: $0) })
            }
            return Int(stream.total_out)
        }
        output.removeSubrange(produced...)
        return output
    }

    public static func deflate(_ input: [UInt8], level: Int32 = 6) throws -> [UInt8] {
        try input.withUnsafeBytes { try deflate($0, level: level) }
    }

    /// Inflates `input` into exactly `expectedSize` bytes.
    ///
    /// Fails if the stream is corrupt, ends early, produces more than `expectedSize` bytes,
    /// or has bytes after its end. Memory used is `expectedSize` plus zlib's fixed window.
    public static func inflate(_ input: UnsafeRawBufferPointer, expectedSize: Int) throws -> [UInt8] {
        var output = [UInt8](unsafeUninitializedCapacity: expectedSize) { buffer, count in
            count = expectedSize
        }
        try output.withUnsafeMutableBytes { try inflate(input, into: $0) }
        return output
    }

    /// Inflates into a caller-provided buffer, which must be filled exactly.
    public static func inflate(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) throws {
        var stream = z_stream()
        var status = fedtwin_inflateInit(&stream)
        guard status == Z_OK else { throw ZlibError(operation: "inflateInit", code: status, detail: nil) }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
        stream.avail_in = uInt(input.count)
        stream.next_out = output.bindMemory(to: Bytef.self).baseAddress
        stream.avail_out = uInt(output.count)
        status = CZlib.inflate(&stream, Z_FINISH)
        if status == Z_BUF_ERROR, stream.avail_out == 0 {
            // The buffer is full. Either only the end-of-stream marker and checksum remain
            // (or are missing: truncated), or the stream inflates past the declared size:
            // offer one spare byte to tell. Input may be used up with output still pending.
            var spare: UInt8 = 0
            let filled = stream.total_out
            status = withUnsafeMutablePointer(to: &spare) { pointer in
                stream.next_out = pointer
                stream.avail_out = 1
                return CZlib.inflate(&stream, Z_FINISH)
            }
            if stream.total_out > filled {
                throw ZlibError(operation: "inflate", code: status, detail: "stream inflates past the declared \(output.count) bytes")
            }
        }
        switch status {
        case Z_STREAM_END:
            guard stream.avail_in == 0 else {
                throw ZlibError(operation: "inflate", code: status, detail: "\(stream.avail_in) trailing bytes after the end of the zlib stream")
            }
            guard stream.total_out == output.count else {
                throw ZlibError(operation: "inflate", code: status, detail: "stream inflated to \(stream.total_out) bytes, manifest declares \(output.count)")
            }
        case Z_BUF_ERROR where stream.avail_out == 0:
            // The output buffer is full but the stream has not ended: it inflates past the
            // declared size. Stop here without allocating any more.
            throw ZlibError(operation: "inflate", code: status, detail: "stream inflates past the declared \(output.count) bytes")
        case Z_BUF_ERROR:
            throw ZlibError(operation: "inflate", code: status, detail: "stream is truncated after \(stream.total_out) of \(output.count) declared bytes")
        default:
            throw ZlibError(operation: "inflate", code: status, detail: stream.msg.map { String(cString: $0) })
        }
    }
}

/// A zlib failure: which call, zlib's status code and what it means here.
public struct ZlibError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var code: Int32
    public var detail: String?

    public var description: String {
        "zlib \(operation) failed (status \(code))" + (detail.map { ": \($0)" } ?? "")
    }
}
