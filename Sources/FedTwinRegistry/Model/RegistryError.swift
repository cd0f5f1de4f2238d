/// A store that cannot be read or written as asked, naming the file and the problem.
public struct RegistryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Path relative to the store root (or absolute when outside it).
    public var path: String
    public var problem: String

    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "\(path): \(problem)" }
}
