import FedTwinWire
import Foundation

extension TwinSpec {
    /// Reads, decodes and validates a spec file, and returns it with its hash: the SHA-256
    /// (lower-case hex) of the file's bytes, which the store and every manifest record so a
    /// version says exactly which structure its parameters belong to.
    ///
    /// The JSON is strict: a repeated key and a key the format does not know (a typo such
    /// as `"saturaton"` would otherwise silently drop a constant) are refused with their key
    /// path, as every other input file of the product is.
    public static func load(_ url: URL) throws -> (spec: TwinSpec, hash: String) {
        let file = url.path
        let data: Data
        do {
            data = try InputFile.read(url, what: "component spec")
        } catch let error as InputFileError {
            throw TwinSpecError(file: file, keyPath: "top level", reason: "\(error)")
        }
        let spec = try decode(data, file: file)
        try spec.validate(file: file)
        return (spec, SHA256.hex(data))
    }

    /// Decodes spec JSON with duplicate and unknown keys refused (no validation).
    public static func decode(_ data: Data, file: String) throws -> TwinSpec {
        let spec: TwinSpec
        do {
            spec = try StrictJSON.decode(TwinSpec.self, from: data)
        } catch let error as DuplicateKeyError {
            throw TwinSpecError(file: file, keyPath: error.path.isEmpty ? "top level" : error.path, reason: "\(error) (a key may appear once per object)")
        } catch let error as DecodingError {
            throw TwinSpecError(file: file, keyPath: Self.keyPath(of: error), reason: Self.reason(of: error))
        }
        if let input = try? JSONSerialization.jsonObject(with: data),
           let known = try? JSONSerialization.jsonObject(with: JSONEncoder().encode(spec)),
           let unknown = InputFile.unknownKey(in: input, known: known, path: []) {
            throw TwinSpecError(file: file, keyPath: unknown, reason: "unknown key (see docs/twin.md, \"Component spec\", for the format)")
        }
        return spec
    }

    static func keyPath(of error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            var out = ""
            for key in keys {
                if let i = key.intValue { out += "[\(i)]" } else { out += (out.isEmpty ? "" : ".") + key.stringValue }
            }
            return out.isEmpty ? "top level" : out
        }
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): return path(c.codingPath)
        case .keyNotFound(let key, let c): return path(c.codingPath + [key])
        @unknown default: return "top level"
        }
    }

    static func reason(of error: DecodingError) -> String {
        switch error {
        case .typeMismatch(let type, _): return "expected \(type)"
        case .valueNotFound(let type, _): return "expected \(type), found null"
        case .keyNotFound: return "missing"
        case .dataCorrupted(let c): return c.debugDescription
        @unknown default: return "\(error)"
        }
    }
}
