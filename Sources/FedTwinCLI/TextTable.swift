/// Column-aligned plain-text tables for the inspection commands: readable in a terminal
/// and in a QA report pasted as is.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []
    /// Columns aligned to the right (numbers).
    var numeric: Set<Int> = []

    init(_ header: [String], numeric: Set<Int> = []) {
        self.header = header
        self.numeric = numeric
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render(indent: String = "") -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            let cells = header.indices.map { column -> String in
                let text = row.indices.contains(column) ? row[column] : ""
                let padding = String(repeating: " ", count: widths[column] - text.count)
                return numeric.contains(column) ? padding + text : text + padding
            }
            var line = indent + cells.joined(separator: "  ")
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }
}
