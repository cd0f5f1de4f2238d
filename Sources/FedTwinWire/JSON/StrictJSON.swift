import Foundation

/// The product's one way to read JSON that comes from outside (frame headers, config
/// files, store files): the document must not repeat a key in any object, at any depth.
///
/// Foundation's `JSONDecoder` silently keeps one of the duplicated values and Python's
/// `json` keeps the other, so a signed header `{"samples":1,"samples":1000000000000}`
/// would mean one thing to the coordinator and another to an independent verifier
/// (PROTOCOL.md §2). Keys are compared after unescaping (`"a"` and `"\u0061"` are the same
/// key), as both parsers do. The scan runs before the decoder, in one pass with no
/// allocation beyond each object's key set; a document that is not JSON is left for the
/// decoder to refuse with its own message.
public enum StrictJSON {
    /// Deepest nesting scanned; deeper documents are refused (the decoders' own limits are
    /// of the same order, and no document of this product nests more than a few levels).
    public static let maxDepth = 128

    /// Decodes `type` from `data` after `checkKeys`.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data, decoder: JSONDecoder = JSONDecoder()) throws -> T {
        try checkKeys(data)
        return try decoder.decode(type, from: data)
    }

    /// Throws `DuplicateKeyError` if any object in the document repeats a key.
    public static func checkKeys(_ data: Data) throws {
        try data.withUnsafeBytes { raw in try checkKeys(raw.bindMemory(to: UInt8.self)) }
    }

    public static func checkKeys(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBufferPointer { try checkKeys($0) }
    }

    static func checkKeys(_ buffer: UnsafeBufferPointer<UInt8>) throws {
        var scanner = Scanner(bytes: buffer)
        do {
            try scanner.value(path: "", depth: 0)
        } catch is Scanner.NotJSON {
            return  // the decoder reports what is wrong with it
        }
    }

    struct Scanner {
        struct NotJSON: Error {}

        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09 {
                index += 1
            }
        }

        mutating func value(path: String, depth: Int) throws {
            skipSpace()
            guard index < bytes.count else { throw NotJSON() }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                guard depth < StrictJSON.maxDepth else { throw DuplicateKeyError(path: path, key: nil) }
                index += 1
                var keys = Set<String>()
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return }
                while true {
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw NotJSON() }
                    let key = try string()
                    let keyPath = path.isEmpty ? key : path + "." + key
                    guard keys.insert(key).inserted else { throw DuplicateKeyError(path: keyPath, key: key) }
                    skipSpace()
                    guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw NotJSON() }
                    index += 1
                    try value(path: keyPath, depth: depth + 1)
                    skipSpace()
                    guard index < bytes.count else { throw NotJSON() }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "}") { index += 1; return }
                    throw NotJSON()
                }
            case UInt8(ascii: "["):
                guard depth < StrictJSON.maxDepth else { throw DuplicateKeyError(path: path, key: nil) }
                index += 1
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return }
                var element = 0
                while true {
                    try value(path: "\(path)[\(element)]", depth: depth + 1)
                    element += 1
                    skipSpace()
                    guard index < bytes.count else { throw NotJSON() }
                    if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                    if bytes[index] == UInt8(ascii: "]") { index += 1; return }
                    throw NotJSON()
                }
            case UInt8(ascii: "\""):
                _ = try string()
            default:
                // Numbers and literals: a run of the characters they are made of.
                let start = index
                while index < bytes.count, Self.isScalarByte(bytes[index]) { index += 1 }
                guard index > start else { throw NotJSON() }
            }
        }

        static func isScalarByte(_ b: UInt8) -> Bool {
            (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || b == 0x2B || b == 0x2D || b == 0x2E
        }

        /// Reads a string starting at its opening quote and returns it unescaped.
        mutating func string() throws -> String {
            index += 1
            var out: [UInt8] = []
            var units: [UInt16] = []
            func flushUnits() {
                guard !units.isEmpty else { return }
                out.append(contentsOf: Array(String(decoding: units, as: UTF16.self).utf8))
                units.removeAll()
            }
            while index < bytes.count {
                let b = bytes[index]
                index += 1
                if b == UInt8(ascii: "\"") {
                    flushUnits()
                    return String(decoding: out, as: UTF8.self)
                }
                guard b == UInt8(ascii: "\\") else {
                    flushUnits()
                    out.append(b)
                    continue
                }
                guard index < bytes.count else { throw NotJSON() }
                let e = bytes[index]
                index += 1
                if e == UInt8(ascii: "u") {
                    guard index + 4 <= bytes.count, let unit = UInt16(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16) else {
                        throw NotJSON()
                    }
                    index += 4
                    units.append(unit)
                    continue
                }
                flushUnits()
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                default: out.append(e)  // \" \\ \/
                }
            }
            throw NotJSON()
        }
    }
}

/// A JSON document repeats a key in one object (or nests deeper than `StrictJSON.maxDepth`:
/// `key` nil), at the dotted `path`.
public struct DuplicateKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var key: String?

    public var description: String {
        guard key != nil else { return "JSON nests deeper than \(StrictJSON.maxDepth) levels at '\(path)'" }
        return "duplicate JSON key '\(path)'"
    }
}
