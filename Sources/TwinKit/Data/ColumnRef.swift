/// A CSV column and the unit its numbers are in.
public struct ColumnRef: Sendable, Equatable, Codable {
    public var column: String
    public var unit: String

    public init(_ column: String, unit: String) {
        self.column = column
        self.unit = unit
    }
}
