/// Splits one CSV line into fields (RFC 4180 quoting with `""` escapes; no embedded
/// newlines, which batch exports do not use).
enum CSVLineSplitter {
    static func split(_ line: Substring, separator: Character = ",") -> [String] {
        // Fast path: most rows of numeric exports contain no quotes at all.
        if !line.utf8.contains(UInt8(ascii: "\"")) {
            return line.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
        }
        var fields: [String] = []
        var current = ""
        var inQuotes = false
        var iterator = line.makeIterator()
        var pending: Character? = nil
        while let ch = pending ?? iterator.next() {
            pending = nil
            if inQuotes {
                if ch == "\"" {
                    if let next = iterator.next() {
                        if next == "\"" { current.append("\"") } else { inQuotes = false; pending = next }
                    } else {
                        inQuotes = false
                    }
                } else {
                    current.append(ch)
                }
            } else if ch == "\"" && current.isEmpty {
                inQuotes = true
            } else if ch == separator {
                fields.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        fields.append(current)
        return fields
    }

    /// Quotes a field when it contains a separator, quote or leading/trailing space.
    static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) || field != field.trimmingCharacters(in: .whitespaces) else {
            return field
        }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

import Foundation
