/// Train / held-out split of a site's batches, fixed by a seed before any training.
///
/// Batch ids are sorted before the seeded shuffle, so the split depends only on the set
/// of ids and the seed — not on file order. Each side is fingerprinted by FNV-1a 64 over
/// its sorted ids joined with newlines; the site logs these so anyone can check later that
/// evaluation batches were never trained on.
public struct BatchSplit: Sendable, Equatable, Codable {
    /// Training batch ids, sorted.
    public var training: [String]
    /// Held-out batch ids, sorted.
    public var heldOut: [String]
    public var seed: UInt64

    /// Holds out `round(fraction · n)` batches (at least one when n ≥ 2, never all).
    public init(batchIDs: [String], heldOutFraction: Double, seed: UInt64) {
        var ids = Array(Set(batchIDs)).sorted()
        var rng = Xoshiro256StarStar(seed: seed)
        rng.shuffle(&ids)
        var nHeld = Int((heldOutFraction * Double(ids.count)).rounded())
        if ids.count >= 2 { nHeld = min(max(nHeld, heldOutFraction > 0 ? 1 : 0), ids.count - 1) } else { nHeld = 0 }
        self.heldOut = Array(ids.prefix(nHeld)).sorted()
        self.training = Array(ids.dropFirst(nHeld)).sorted()
        self.seed = seed
    }

    /// FNV-1a 64 of a sorted id list joined by "\n".
    public static func fingerprint(_ ids: [String]) -> UInt64 {
        FNV1a64.hash(ids.sorted().joined(separator: "\n"))
    }

    /// Fingerprint of the training side.
    public var trainingHash: UInt64 { Self.fingerprint(training) }
    /// Fingerprint of the held-out side.
    public var heldOutHash: UInt64 { Self.fingerprint(heldOut) }

    /// `train=<16 hex>,heldout=<16 hex>`, the line sites write to their log.
    public var fingerprintDescription: String {
        "train=\(Self.hex(trainingHash)),heldout=\(Self.hex(heldOutHash))"
    }

    static func hex(_ v: UInt64) -> String {
        let s = String(v, radix: 16)
        return String(repeating: "0", count: 16 - s.count) + s
    }

    /// Partitions records by this split (records with unknown ids are dropped).
    public func apply(to records: [BatchRecord]) -> (training: [BatchRecord], heldOut: [BatchRecord]) {
        let train = Set(training)
        let held = Set(heldOut)
        return (records.filter { train.contains($0.batchID) }, records.filter { held.contains($0.batchID) })
    }
}
