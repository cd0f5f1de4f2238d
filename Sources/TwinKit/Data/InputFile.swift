import Foundation
import FedTwinWire

/// Reads the files a person points the tools at (site profiles, data configs, batch
/// CSVs) with errors that say what is wrong with which path and what to do, instead of
/// Foundation's "NSCocoaErrorDomain Code=260".
public enum InputFile {
    /// The file's bytes. `what` names the file's role in messages ("batch CSV").
    public static func read(_ url: URL, what: String) throws -> Data {
        let data = try contents(url, what: what)
        if data.starts(with: [0x1f, 0x8b]) { throw InputFileError(path: url.path, what: what, problem: .gzip) }
        return data
    }

    private static func contents(_ url: URL, what: String) throws -> Data {
        let path = url.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw InputFileError(path: path, what: what, problem: .missing)
        }
        guard !isDirectory.boolValue else { throw InputFileError(path: path, what: what, problem: .directory) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputFileError(path: path, what: what, problem: .unreadable)
        }
        return data
    }

    /// The file's bytes, gunzipped when it is gzip-compressed (by its magic bytes, whatever
    /// its name), producing at most `maxInflatedBytes`. Historians export `.csv.gz`.
    public static func readInflating(_ url: URL, what: String, maxInflatedBytes: Int) throws -> Data {
        let path = url.path
        let data = try contents(url, what: what)
        guard data.starts(with: [0x1f, 0x8b]) else { return data }
        do {
            return Data(try Zlib.gunzip([UInt8](data), maxSize: maxInflatedBytes))
        } catch let error as ZlibError {
            throw InputFileError(path: path, what: what, problem: .badGzip(error.detail ?? error.description))
        }
    }

    /// Decodes a JSON file; a decoding error names the file and the key path, and so does
    /// a key the type does not know (a typo such as `"ph"` for `"pH"` must not silently
    /// drop a column).
    ///
    /// Unknown keys are found by encoding the decoded value again: every key the type
    /// reads it also writes, so a non-null key of the file that is missing from the
    /// re-encoded object at the same place is one the type ignored.
    public static func decodeJSON<T: Codable>(_ type: T.Type, from url: URL, what: String) throws -> T {
        let data = try read(url, what: what)
        let value: T
        do {
            // A repeated key is refused rather than resolved silently (StrictJSON).
            value = try StrictJSON.decode(type, from: data)
        } catch let error as DuplicateKeyError {
            throw InputFileError(path: url.path, what: what, problem: .invalid("\(error) (a key may appear once per object)"))
        } catch let error as DecodingError {
            throw InputFileError(path: url.path, what: what, problem: .invalid(InputFileError.describe(error)))
        }
        if let input = try? JSONSerialization.jsonObject(with: data),
           let known = try? JSONSerialization.jsonObject(with: JSONEncoder().encode(value)),
           let unknown = unknownKey(in: input, known: known, path: []) {
            throw InputFileError(path: url.path, what: what, problem: .invalid("key '\(unknown)': unknown key"))
        }
        return value
    }

    /// The dotted path of the first (sorted) key of `input` absent from `known` where both
    /// are objects, descending into objects and arrays of the same shape.
    static func unknownKey(in input: Any, known: Any, path: [String]) -> String? {
        if let object = input as? [String: Any], let knownObject = known as? [String: Any] {
            for key in object.keys.sorted() {
                guard let value = object[key], !(value is NSNull) else { continue }
                guard let knownValue = knownObject[key] else { return (path + [key]).joined(separator: ".") }
                if let found = unknownKey(in: value, known: knownValue, path: path + [key]) { return found }
            }
        } else if let array = input as? [Any], let knownArray = known as? [Any], array.count == knownArray.count {
            for (index, element) in array.enumerated() {
                let indexed = path.dropLast() + [(path.last ?? "") + "[\(index)]"]
                if let found = unknownKey(in: element, known: knownArray[index], path: Array(indexed)) { return found }
            }
        }
        return nil
    }
}

/// An input file that cannot be used: its path, its role, and what is wrong.
public struct InputFileError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        case missing
        case directory
        case unreadable
        /// gzip-compressed (by its magic bytes), which the readers do not decompress.
        case gzip
        /// gzip-compressed but corrupt, truncated or larger than the limit once inflated.
        case badGzip(String)
        /// Not the JSON expected, with the key path and what was wrong.
        case invalid(String)
    }

    public var path: String
    public var what: String
    public var problem: Problem

    public init(path: String, what: String, problem: Problem) {
        self.path = path
        self.what = what
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .missing:
            return "\(what) \(path) does not exist: check the path (relative paths are resolved from the current directory, or from data.json's directory for its csv)"
        case .directory:
            return "\(what) \(path) is a directory: give the file itself"
        case .unreadable:
            return "\(what) \(path) cannot be read: check its permissions"
        case .gzip:
            return "\(what) \(path) is gzip-compressed, which is not supported yet: decompress it (`gunzip -k \(path)`) and point to the uncompressed file"
        case .badGzip(let detail):
            return "\(what) \(path) cannot be decompressed: \(detail) (check it with `gzip -t \(path)`)"
        case .invalid(let detail):
            return "\(what) \(path) is not valid: \(detail)"
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "top level" : "key '" + keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") + "'"
        }
        switch error {
        case .typeMismatch(let type, let context): return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context): return "\(path(context.codingPath)): expected \(type), found null"
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])): missing"
        case .dataCorrupted(let context): return "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
