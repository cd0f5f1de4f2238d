import CZlib

extension Zlib {
    /// Inflates a gzip file (one or more RFC 1952 members) whose size is not known in
    /// advance, refusing to produce more than `maxSize` bytes: a small `.csv.gz` cannot make
    /// the reader allocate gigabytes.
    public static func gunzip(_ input: [UInt8], maxSize: Int) throws -> [UInt8] {
        var stream = z_stream()
        var status = fedtwin_inflateInit2(&stream, 15 + 16)
        guard status == Z_OK else { throw ZlibError(operation: "inflateInit2", code: status, detail: nil) }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        try input.withUnsafeBytes { raw in
            let base = UnsafeMutablePointer(mutating: raw.bindMemory(to: Bytef.self).baseAddress)
            stream.next_in = base
            stream.avail_in = uInt(raw.count)
            while true {
                let produced: Int = chunk.withUnsafeMutableBytes { out in
                    stream.next_out = out.bindMemory(to: Bytef.self).baseAddress
                    stream.avail_out = uInt(out.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                guard output.count + produced <= maxSize else {
                    throw ZlibError(operation: "gunzip", code: status, detail: "inflates past the limit of \(maxSize) bytes")
                }
                output.append(contentsOf: chunk[0..<produced])
                switch status {
                case Z_STREAM_END:
                    // Concatenated members (`cat a.gz b.gz`) are one valid gzip file.
                    guard stream.avail_in > 0 else { return }
                    status = inflateReset(&stream)
                    guard status == Z_OK else { throw ZlibError(operation: "inflateReset", code: status, detail: nil) }
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw ZlibError(operation: "gunzip", code: status, detail: "file is truncated after \(output.count) bytes")
                default:
                    throw ZlibError(operation: "gunzip", code: status, detail: stream.msg.map { String(cString: $0) })
                }
            }
        }
        return output
    }
}
