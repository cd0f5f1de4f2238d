import FedTwinWire

/// The frame and payload limits a round's updates were parsed with, as recorded in the
/// version the round committed.
///
/// `models verify --replay` re-reads the stored update frames and must admit exactly what
/// the live round admitted: with the wire defaults instead, a store committed with raised
/// limits (`maxBodyMiB`, `maxHeaderKiB`, `maxTensors`) would fail its own replay. A
/// manifest without `limits` (every version 0, and stores written before limits were
/// recorded) means `FrameLimits.default`, so those manifests stay byte-identical and verify
/// as before. The record is part of the signed manifest: editing it breaks the signature.
public struct RoundLimits: Sendable, Codable, Equatable {
    /// Largest JSON header, in bytes.
    public var maxHeaderLength: Int
    /// Largest body as sent, in bytes.
    public var maxBodyLength: Int
    /// Largest inflated payload, in bytes.
    public var maxRawLength: Int
    /// Most tensors in one payload.
    public var maxTensors: Int
    /// Most dimensions of one tensor.
    public var maxRank: Int
    /// Most elements in one tensor.
    public var maxElements: Int
    /// Longest tensor name, in UTF-8 bytes.
    public var maxNameBytes: Int

    /// The record of `limits`.
    public init(_ limits: FrameLimits) {
        maxHeaderLength = limits.maxHeaderLength
        maxBodyLength = limits.maxBodyLength
        maxRawLength = limits.payload.maxRawLength
        maxTensors = limits.payload.maxTensors
        maxRank = limits.payload.maxRank
        maxElements = limits.payload.maxElements
        maxNameBytes = limits.payload.maxNameBytes
    }

    /// The limits this record describes.
    public var frameLimits: FrameLimits {
        FrameLimits(maxHeaderLength: maxHeaderLength, maxBodyLength: maxBodyLength,
                    payload: PayloadLimits(maxRawLength: maxRawLength, maxTensors: maxTensors, maxRank: maxRank,
                                           maxElements: maxElements, maxNameBytes: maxNameBytes))
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case maxHeaderLength, maxBodyLength, maxRawLength, maxTensors, maxRank, maxElements, maxNameBytes
    }

    /// Refuses a negative limit, naming the key: no frame could have been admitted under it.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func value(_ key: CodingKeys) throws -> Int {
            let v = try container.decode(Int.self, forKey: key)
            guard v >= 0 else {
                throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "limit \(key.rawValue) is \(v); limits are ≥ 0")
            }
            return v
        }
        maxHeaderLength = try value(.maxHeaderLength)
        maxBodyLength = try value(.maxBodyLength)
        maxRawLength = try value(.maxRawLength)
        maxTensors = try value(.maxTensors)
        maxRank = try value(.maxRank)
        maxElements = try value(.maxElements)
        maxNameBytes = try value(.maxNameBytes)
    }
}
