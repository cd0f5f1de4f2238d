/// A configuration that cannot be used, naming the file and the key.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// Dotted key path (e.g. "training.epochs"), nil for whole-file problems.
    public var key: String?
    public var problem: String

    public init(file: String, key: String?, problem: String) {
        self.file = file
        self.key = key
        self.problem = problem
    }

    /// Turns a JSONDecoder error into one that names the key.
    public init(decoding error: any Error, file: String) {
        switch error {
        case DecodingError.typeMismatch(let type, let context):
            self.init(file: file, key: Self.path(context.codingPath), problem: "expected \(type)")
        case DecodingError.valueNotFound(let type, let context):
            self.init(file: file, key: Self.path(context.codingPath), problem: "expected \(type), found null")
        case DecodingError.keyNotFound(let key, let context):
            self.init(file: file, key: Self.path(context.codingPath + [key]), problem: "missing")
        case DecodingError.dataCorrupted(let context):
            self.init(file: file, key: Self.path(context.codingPath), problem: context.debugDescription)
        default:
            self.init(file: file, key: nil, problem: "\(error)")
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    public var description: String {
        if let key { return "\(file): key '\(key)': \(problem)" }
        return "\(file): \(problem)"
    }
}
