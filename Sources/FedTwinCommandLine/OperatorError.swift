/// A failure told to the operator as one line (the argument parser prints it after
/// "Error:" and exits with status 1): what went wrong, with which file or address, and
/// what to do about it. Unlike `ValidationError` it is not followed by the usage text,
/// which would bury the reason.
public struct OperatorError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
