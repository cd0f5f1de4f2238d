import Foundation

extension CoordinatorConfiguration {
    /// Every setting as `key: value` lines with dotted paths (`training.epochs: 5`),
    /// sorted, absent options as `-`: what the coordinator prints at start, so the operator
    /// sees the values in force once the file, the defaults and the flags are combined.
    /// Built from the encoded configuration, so a new setting cannot be left out.
    public func summaryLines() throws -> [String] {
        let tree = try JSONDecoder().decode(SettingValue.self, from: JSONEncoder().encode(self))
        var lines: [String] = []
        func flatten(_ value: SettingValue, _ path: String) {
            switch value {
            case .object(let members) where !members.isEmpty:
                for key in members.keys.sorted() { flatten(members[key]!, path.isEmpty ? key : "\(path).\(key)") }
            default:
                lines.append("\(path): \(value)")
            }
        }
        flatten(tree, "")
        // Optional settings that are nil are left out by the encoder; name them too.
        if case .object(let members) = tree {
            for key in CodingKeys.allCases.map(\.rawValue) where members[key] == nil { lines.append("\(key): -") }
        }
        return lines.sorted()
    }
}

/// A JSON value as decoded from the encoded configuration (booleans stay booleans).
private enum SettingValue: Decodable, CustomStringConvertible {
    case bool(Bool), integer(Int), number(Double), string(String), object([String: SettingValue]), array([SettingValue]), null

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let v = try? c.decode(Bool.self) { self = .bool(v) }
        else if let v = try? c.decode(Int.self) { self = .integer(v) }
        else if let v = try? c.decode(Double.self) { self = .number(v) }
        else if let v = try? c.decode(String.self) { self = .string(v) }
        else if let v = try? c.decode([String: SettingValue].self) { self = .object(v) }
        else { self = .array(try c.decode([SettingValue].self)) }
    }

    var description: String {
        switch self {
        case .bool(let v): return "\(v)"
        case .integer(let v): return "\(v)"
        case .number(let v): return "\(v)"
        case .string(let v): return v
        case .object(let v): return v.isEmpty ? "{}" : "\(v)"
        case .array(let v): return "[" + v.map(\.description).joined(separator: ", ") + "]"
        case .null: return "-"
        }
    }
}
