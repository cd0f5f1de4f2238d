/// One file of a site's data (an online historian export, an offline assay file, a file
/// of auxiliary flows): where it is, which column names the batch and which the time.
/// Files are joined by batch id and time.
public struct DataFileSpec: Sendable, Equatable, Codable {
    /// `.csv` or `.csv.gz` path, relative to the data config's directory (or absolute).
    public var path: String
    /// Column holding the batch id.
    public var batchColumn: String
    public var time: TimeSpec

    public init(path: String, batchColumn: String, time: TimeSpec) {
        self.path = path
        self.batchColumn = batchColumn
        self.time = time
    }
}

/// How a file states time: elapsed time in a unit, or timestamps measured from a batch start.
public struct TimeSpec: Sendable, Equatable, Codable {
    public enum Format: String, Sendable, Codable {
        /// Elapsed time since the batch start in `unit` (h, min, s, d).
        case elapsed
        /// ISO 8601 timestamps (`2024-03-01T08:00:00`, `2024-03-01 08:00`, optional `Z`
        /// or `+01:00`); elapsed hours are counted from `batchStart`.
        case timestamp
    }

    public var column: String
    /// Unit of elapsed time (default h); not used for timestamps.
    public var unit: String?
    /// Default `elapsed`.
    public var format: Format?
    /// Timestamps only: a column (of the same file) holding the batch start timestamp.
    /// Without it, a batch starts at its earliest timestamp over all timestamped files.
    public var batchStart: String?

    public init(column: String, unit: String? = nil, format: Format? = nil, batchStart: String? = nil) {
        self.column = column
        self.unit = unit
        self.format = format
        self.batchStart = batchStart
    }
}
