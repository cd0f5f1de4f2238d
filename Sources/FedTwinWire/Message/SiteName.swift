/// The names a site may be enrolled under, and the only names that may enter the product
/// from outside (`fedtwin enroll`, `hello.site`, a site's configuration).
///
/// A name is 1–63 characters of ASCII `[a-z0-9._-]`, the first a letter or digit
/// (`[a-z0-9][a-z0-9._-]{0,62}`). Names become file names (`sites/NAME.json`), audit
/// fields and table cells read by people, so the set is closed rather than filtered:
/// - no look-alikes: no Cyrillic `а` among Latin letters, no zero-width joiner, no
///   upper-case twin of an enrolled name (`Site-A` beside `site-a`, which a
///   case-insensitive file system would also store as one file);
/// - no path traversal (`/`, a leading `.`) and no control characters.
/// The check is on Unicode scalars, not characters, so a combining mark or a joiner cannot
/// hide inside a grapheme that looks like a letter.
public enum SiteName {
    public static let maxLength = 63

    /// Why `name` is not a safe site name (what is wrong, and where), or nil when it is.
    public static func problem(_ name: String) -> String? {
        let allowed = "site names are 1–\(maxLength) characters of lower-case ASCII letters, digits, '.', '_' and '-', starting with a letter or digit"
        guard !name.isEmpty else { return "the name is empty (\(allowed))" }
        for (index, scalar) in name.unicodeScalars.enumerated() {
            if isAllowed(scalar, first: index == 0) { continue }
            let shown = scalar.properties.generalCategory == .control || !scalar.isASCII || scalar == " "
                ? "U+\(String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4))" : "'\(scalar)'"
            return "character \(index + 1) is \(shown) (\(allowed))"
        }
        guard name.unicodeScalars.count <= maxLength else {
            return "the name has \(name.unicodeScalars.count) characters (\(allowed))"
        }
        return nil
    }

    public static func isValid(_ name: String) -> Bool { problem(name) == nil }

    private static func isAllowed(_ scalar: Unicode.Scalar, first: Bool) -> Bool {
        switch scalar {
        case "a"..."z", "0"..."9": return true
        case ".", "_", "-": return !first
        default: return false
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
