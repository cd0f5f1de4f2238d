/// A component spec that cannot be used: the file, the key path of what is wrong
/// (`rates[2].law.factors[0].saturation`) and why.
///
/// Every refusal of ``TwinSpec/validate(file:)`` and ``TwinSpec/load(_:)`` is one of these,
/// so an operator fixes the spec from the message alone.
public struct TwinSpecError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Path of the spec file (or a label such as `<memory>` for a spec built in code).
    public var file: String
    /// Dotted key path with array indices; `top level` for the whole document.
    public var keyPath: String
    public var reason: String

    public init(file: String, keyPath: String, reason: String) {
        self.file = file
        self.keyPath = keyPath
        self.reason = reason
    }

    public var description: String { "component spec \(file): key '\(keyPath)': \(reason)" }
}
