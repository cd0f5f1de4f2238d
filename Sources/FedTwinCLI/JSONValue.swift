import Foundation

/// A JSON document built by the inspection commands for `--json`. Keys are written sorted
/// and absent values as `null`, so scripts see the same shape every time.
enum JSONValue: Encodable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])
    /// Any Codable value, written with its own keys (e.g. a manifest as stored).
    case encodable(any Encodable)

    static func optional(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
    static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    static func optional(_ value: Int?) -> JSONValue { value.map(JSONValue.int) ?? .null }
    static func numbers(_ values: [String: Double]) -> JSONValue { .object(values.mapValues(JSONValue.number)) }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .encodable(let value):
            try value.encode(to: encoder)
        default:
            var container = encoder.singleValueContainer()
            switch self {
            case .null: try container.encodeNil()
            case .bool(let b): try container.encode(b)
            case .int(let i): try container.encode(i)
            case .number(let d): if d.isFinite { try container.encode(d) } else { try container.encodeNil() }
            case .string(let s): try container.encode(s)
            case .array(let a): try container.encode(a)
            case .object(let o): try container.encode(o)
            case .encodable: break
            }
        }
    }

    /// Pretty, sorted-key bytes with a trailing newline.
    func bytes() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [0x0a]
    }

    /// Writes the document to stdout.
    func write() throws {
        print(String(decoding: try bytes(), as: UTF8.self), terminator: "")
    }
}
