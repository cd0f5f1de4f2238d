import Foundation
import Testing
@testable import FedTwinWire

/// SplitMix64: a small seeded generator so every property-style test is reproducible.
/// A failing case names its seed; rerun with that seed to debug it.
struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func unit() -> Double { Double(next() >> 11) / Double(UInt64(1) << 53) }

    /// Standard normal (Box–Muller).
    mutating func gaussian() -> Double {
        let u1 = Swift.max(unit(), 1e-300), u2 = unit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A shape of rank 0...4 with dims 0...6; about one in five shapes has a zero dimension,
    /// and the element count stays small (debug builds are slow on numeric loops).
    mutating func shape() -> [Int] {
        let rank = Int.random(in: 0...4, using: &self)
        var dims: [Int] = []
        for _ in 0..<rank {
            dims.append(Int.random(in: 1...6, using: &self))
        }
        if rank > 0, Int.random(in: 0..<5, using: &self) == 0 {
            dims[Int.random(in: 0..<rank, using: &self)] = 0
        }
        return dims
    }

    /// Values shaped like trained weights: Gaussian with a random scale, plus occasional
    /// exact zeros, repeated values and sign changes.
    mutating func values(_ count: Int, maxMagnitude: Double = 1000) -> [Double] {
        let scale = Foundation.pow(10, Double.random(in: -4...Foundation.log10(maxMagnitude / 8), using: &self))
        var out: [Double] = []
        out.reserveCapacity(count)
        for _ in 0..<count {
            switch Int.random(in: 0..<20, using: &self) {
            case 0: out.append(0)
            case 1: out.append(out.last ?? 1)
            default: out.append(gaussian() * scale)
            }
        }
        return out
    }

    /// Random tensors (names unique), dtype chosen per tensor or fixed.
    mutating func tensors(count: Int, dtype: DType? = nil, maxMagnitude: Double = 1000) -> [Tensor] {
        (0..<count).map { index in
            let shape = shape()
            let n = shape.reduce(1, *)
            let values = values(n, maxMagnitude: maxMagnitude)
            let type = dtype ?? (Bool.random(using: &self) ? .f32 : .f64)
            let name = "t\(index).\(["weight", "bias", "γ", "a/b \"q\""].randomElement(using: &self)!)"
            switch type {
            case .f32: return Tensor(name: name, shape: shape, floats: values.map { Float($0) })
            case .f64: return Tensor(name: name, shape: shape, doubles: values)
            }
        }
    }
}

/// Fixed keys so failures are reproducible (seeds are SHA-256 of a label).
enum Keys {
    static let a = try! SigningKey(seed: SHA256.hash(Array("fedtwin test key A".utf8)))
    static let b = try! SigningKey(seed: SHA256.hash(Array("fedtwin test key B".utf8)))
}

/// The seeds property-style tests run over.
let propertySeeds: [UInt64] = [1, 2, 3, 0xFED, 0xC0FFEE]

/// A fresh directory under the system temp dir, removed when `body` returns.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("fedtwin-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// Bit patterns of the values, so that -0.0 vs 0.0 and NaN payloads count as differences.
func bitPatterns(_ values: TensorValues) -> [UInt64] {
    switch values {
    case .f32(let v): return v.map { UInt64($0.bitPattern) }
    case .f64(let v): return v.map { $0.bitPattern }
    }
}

/// Builds a signed frame with an arbitrary header and body, bypassing every check of the
/// encoder (the way a buggy or hostile peer would).
func craftFrame(type: MessageType, flags: FrameFlags = [], header: [UInt8], body: [UInt8] = [], signer: SigningKey = Keys.a) throws -> [UInt8] {
    try body.withUnsafeBytes { try Frame.encode(type: type, flags: flags, header: header, body: $0, signer: signer) }
}

/// The header the codec would write for `message`, with any manifest (even an invalid one).
func craftHeader(_ message: Message, sender: SigningKey = Keys.a, manifest: TensorManifest?) throws -> [UInt8] {
    try MessageCodec.encodeHeader(message, envelope: Envelope(sender: sender.publicKey.fingerprint, session: "s", challenge: "c", round: 1, seq: 1), manifest: manifest)
}

/// Parses and opens `bytes` with `key` the way a receiver does.
@discardableResult
func receive(_ bytes: [UInt8], key: PublicKey = Keys.a.publicKey, limits: FrameLimits = .default) throws -> ReceivedMessage {
    try MessageCodec(limits: limits).parse(bytes).open(with: key)
}

/// Rewrites a JSON object (e.g. a frame header) through `JSONSerialization`.
func editJSON(_ bytes: [UInt8], _ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
    var object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    edit(&object)
    return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
}

/// Little-endian bytes of floats / doubles, for hand-made bodies.
func le(_ values: [Float]) -> [UInt8] { values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) } }
func le(_ values: [Double]) -> [UInt8] { values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init) } }

let sampleBaseID = SHA256.hex(Array("base".utf8))

/// A small update frame (uncompressed f32, two tensors) used by refusal tests.
func sampleUpdateFrame(compressed: Bool = false, signer: SigningKey = Keys.a) throws -> [UInt8] {
    let tensors = [
        Tensor(name: "w", shape: [2, 2], floats: [0.5, -1.25, 3, 0.125]),
        Tensor(name: "b", shape: [2], floats: [1, -1]),
    ]
    return try MessageCodec().encode(
        .update(Update(baseVersionID: sampleBaseID, samples: 10, metrics: ["loss": 0.5])),
        envelope: Envelope(sender: signer.publicKey.fingerprint, session: "s1", challenge: "c1", round: 3, seq: 4),
        tensors: tensors, options: PayloadOptions(encoding: .f32, compressionLevel: compressed ? 6 : nil), signer: signer)
}
