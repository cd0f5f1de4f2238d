import FedTwinWire
import Foundation

/// The one JSON style of the registry: sorted keys, so the same value always gives the
/// same bytes (hashes and signatures depend on it), pretty-printed so that people can
/// read the files.
enum Canonical {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let prettyEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        return encoder
    }()

    static let decoder = JSONDecoder()

    /// UTC now as ISO 8601 with milliseconds.
    static func now() -> String { timestamp(Date()) }

    static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!))
    }

    /// Signature input for a signed document: SHA-256(domain ‖ 0 ‖ bytes).
    static func digest(domain: String, _ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA256.Hasher()
        hasher.update(Array(domain.utf8) + [0])
        hasher.update(bytes)
        return hasher.finalize()
    }

    static let manifestDomain = "FedTwin manifest v1"
    static let evaluationDomain = "FedTwin evaluation v1"
    static let planDomain = "FedTwin validation plan v1"
    static let validationDomain = "FedTwin validation v1"
}
