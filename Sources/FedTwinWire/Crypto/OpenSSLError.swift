import COpenSSL

/// A failure inside OpenSSL, with the operation that failed and the drained error queue.
///
/// The error queue is per thread and threads are reused by event loops, so every failure
/// drains it here: a stale entry would otherwise be blamed on the next, unrelated call.
public struct OpenSSLError: Error, Sendable, CustomStringConvertible {
    /// What FedTwin was doing (e.g. "EVP_DigestSign").
    public var operation: String
    /// OpenSSL's own error strings, oldest first.
    public var queue: [String]

    public init(operation: String, queue: [String]) {
        self.operation = operation
        self.queue = queue
    }

    /// Captures and clears the calling thread's OpenSSL error queue.
    public static func drain(_ operation: String) -> OpenSSLError {
        var messages: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            messages.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return OpenSSLError(operation: operation, queue: messages)
    }

    public var description: String {
        queue.isEmpty ? "OpenSSL \(operation) failed" : "OpenSSL \(operation) failed: \(queue.joined(separator: "; "))"
    }
}
