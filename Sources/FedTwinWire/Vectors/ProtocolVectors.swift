import Foundation

/// The frames in `protocol/vectors/`: made from fixed keys and fixed tensors, so that they
/// come out byte-identical on every run (Ed25519 and zlib are deterministic, JSON keys are
/// sorted). A second implementation checks itself against them; a test regenerates them
/// and fails if the committed files drift from what this code writes.
public enum ProtocolVectors {
    /// One vector: a frame file and the JSON that says what it must decode to (or why it
    /// must be refused).
    public struct Vector: Sendable {
        public var name: String
        public var frame: [UInt8]
        public var expectation: [UInt8]
    }

    /// Seed of the site key used for vectors: SHA-256("fedtwin vector key: site-a").
    public static var siteSeed: [UInt8] { SHA256.hash(Array("fedtwin vector key: site-a".utf8)) }
    /// Seed of the coordinator key used for vectors.
    public static var coordinatorSeed: [UInt8] { SHA256.hash(Array("fedtwin vector key: coordinator".utf8)) }

    /// All vectors, valid ones first.
    public static func generate() throws -> [Vector] {
        let site = try SigningKey(seed: siteSeed)
        let coordinator = try SigningKey(seed: coordinatorSeed)
        let codec = MessageCodec()
        let session = "5e55101000000000000000000000000a"
        let challenge = "c4a11e9e000000000000000000000000000000000000000000000000000000ff"
        let siteEnvelope = { (round: UInt64, seq: UInt64) in
            Envelope(sender: site.publicKey.fingerprint, session: session, challenge: challenge, round: round, seq: seq)
        }
        let coordEnvelope = { (round: UInt64, seq: UInt64) in
            Envelope(sender: coordinator.publicKey.fingerprint, session: session, challenge: challenge, round: round, seq: seq)
        }
        var rng = VectorRandom(seed: 0x5EED)
        let params = [
            Tensor(name: "layer0.weight", shape: [4, 3], floats: rng.gaussians(12, scale: 0.5)),
            Tensor(name: "layer0.bias", shape: [4], floats: rng.gaussians(4, scale: 0.1)),
            Tensor(name: "layer1.weight", shape: [2, 4], floats: rng.gaussians(8, scale: 0.5)),
            Tensor(name: "scalar", shape: [], floats: [0.75]),
        ]
        let delta = [
            Tensor(name: "layer0.weight", shape: [4, 3], floats: rng.gaussians(12, scale: 0.01)),
            Tensor(name: "layer0.bias", shape: [4], floats: rng.gaussians(4, scale: 0.001)),
            Tensor(name: "layer1.weight", shape: [2, 4], floats: rng.gaussians(8, scale: 0.01)),
            Tensor(name: "scalar", shape: [], floats: [-0.002]),
        ]
        let doubles = [
            Tensor(name: "stats.sum", shape: [3], doubles: [1.5, -2.25, 1e-12]),
            Tensor(name: "stats.outer", shape: [3, 3], doubles: rng.gaussians(9, scale: 3).map(Double.init).map { $0 * 1.000000123 }),
        ]
        let baseID = SHA256.hex(Array("version 1".utf8))
        let training = TrainingSettings(epochs: 2, learningRate: 0.001, batchSize: 16, proximalMu: 0.01, seed: 7)

        var vectors: [Vector] = []
        func valid(_ name: String, _ description: String, _ message: Message, _ envelope: Envelope, signer: SigningKey,
                   tensors: [Tensor]? = nil, options: PayloadOptions = PayloadOptions()) throws {
            let bytes: [UInt8]
            if let tensors {
                bytes = try codec.encode(message, envelope: envelope, tensors: tensors, options: options, signer: signer)
            } else {
                bytes = try codec.encode(message, envelope: envelope, signer: signer)
            }
            let received = try codec.parse(bytes).open(with: signer.publicKey)
            var expected: [String: Any] = [
                "name": name, "description": description, "valid": true, "file": "\(name).frame",
                "signer": signer.publicKey.fingerprint.hex, "type": Int(message.type.rawValue), "kind": message.type.description,
                "flags": Int(bytes[6]), "frameID": received.frameID,
                "signedDigest": Hex.encode(try Frame(parsing: bytes).signedDigest),
                "header": try JSONSerialization.jsonObject(with: Data(try Frame(parsing: bytes).header)),
            ]
            if let tensors {
                expected["tensors"] = zip(tensors, received.tensors).map { original, decoded -> [String: Any] in
                    ["name": original.name, "dtype": original.dtype.rawValue, "shape": original.shape,
                     "original": original.values.doubles, "decoded": decoded.values.doubles]
                }
            }
            vectors.append(Vector(name: name, frame: bytes, expectation: try json(expected)))
        }
        func invalid(_ name: String, _ description: String, error: String, _ bytes: [UInt8], signer: SigningKey) throws {
            let expected: [String: Any] = [
                "name": name, "description": description, "valid": false, "file": "\(name).frame",
                "signer": signer.publicKey.fingerprint.hex, "error": error,
            ]
            vectors.append(Vector(name: name, frame: bytes, expectation: try json(expected)))
        }

        try valid("01-hello", "site → coordinator handshake, no payload", .hello(Hello(site: "site-a", software: "fedtwin 0.1.0")),
                  Envelope(sender: site.publicKey.fingerprint), signer: site)
        try valid("02-welcome", "coordinator → site: session and challenge in the envelope",
                  .welcome(Welcome(component: "mlp-regression", currentVersion: 1, currentVersionID: baseID, heartbeatSeconds: 5, software: "fedtwin 0.1.0",
                                             coordinatorKey: Hex.encode(coordinator.publicKey.rawRepresentation))),
                  coordEnvelope(0, 0), signer: coordinator)
        try valid("03-task-f32-zlib", "task with float32 parameters, zlib level 6",
                  .task(TrainingTask(baseVersion: 1, baseVersionID: baseID, parametersID: SafeTensors.contentID(params), component: "mlp-regression",
                                     training: training, deadlineSeconds: 30)),
                  coordEnvelope(2, 1), signer: coordinator, tensors: params, options: PayloadOptions(encoding: .f32, compressionLevel: 6))
        try valid("04-update-q8-zlib-delta", "update: delta from a base version, q8 with block size 5, zlib level 9",
                  .update(Update(baseVersionID: baseID, samples: 120, metrics: ["train_loss": 0.125, "val_loss": 0.25])),
                  siteEnvelope(2, 1), signer: site, tensors: delta, options: PayloadOptions(encoding: .q8, blockSize: 5, compressionLevel: 9, delta: baseID))
        try valid("05-update-f16-raw", "update in fp16, uncompressed",
                  .update(Update(baseVersionID: baseID, samples: 80, metrics: ["train_loss": 0.5])),
                  siteEnvelope(2, 2), signer: site, tensors: params, options: PayloadOptions(encoding: .f16, compressionLevel: nil, delta: baseID))
        try valid("06-evaluate-f64", "evaluate with float64 tensors stored as f64 (lossless)",
                  .evaluate(Evaluate(version: 2, versionID: baseID, parametersID: SafeTensors.contentID(doubles))),
                  coordEnvelope(2, 2), signer: coordinator, tensors: doubles, options: PayloadOptions(encoding: .f64, compressionLevel: nil))
        try valid("07-update-f64-as-f32", "float64 tensors stored as f32 (lossy, error recorded), zlib level 1",
                  .update(Update(baseVersionID: baseID, samples: 3, metrics: [:])),
                  siteEnvelope(3, 3), signer: site, tensors: doubles, options: PayloadOptions(encoding: .f32, compressionLevel: 1))
        try valid("08-update-q8-f64", "float64 tensors in q8 (block 4), uncompressed",
                  .update(Update(baseVersionID: baseID, samples: 3, metrics: [:])),
                  siteEnvelope(3, 4), signer: site, tensors: doubles, options: PayloadOptions(encoding: .q8, blockSize: 4, compressionLevel: nil))
        try valid("09-evaluation", "held-out metrics of a version",
                  .evaluation(Evaluation(versionID: baseID, samples: 12, metrics: ["rmse_P": 0.031, "rmse_X": 0.4])),
                  siteEnvelope(2, 5), signer: site)
        try valid("10-ack", "ack naming the stored update", .ack(Ack(ackSeq: 1, storedID: baseID)), coordEnvelope(2, 3), signer: coordinator)
        try valid("11-reject", "reject with a reason code",
                  .reject(Reject(code: .lateUpdate, reason: "round 2 closed before this update arrived", refSeq: 4)),
                  coordEnvelope(3, 4), signer: coordinator)
        try valid("12-heartbeat", "heartbeat while training", .heartbeat(Heartbeat(state: "training")), siteEnvelope(2, 6), signer: site)
        try valid("13-bye", "clean end of session", .bye(Bye(reason: "done")), siteEnvelope(5, 7), signer: site)
        try valid("14-task-multi-addressed", "one task frame for three sessions (recipients, PROTOCOL.md §6 point 4), f32 uncompressed",
                  .task(TrainingTask(baseVersion: 1, baseVersionID: baseID, parametersID: SafeTensors.contentID(params), component: "mlp-regression",
                                     training: training, deadlineSeconds: 30)),
                  Envelope(sender: coordinator.publicKey.fingerprint, round: 2, recipients: [
                      Envelope.Recipient(session: session, seq: 3),
                      Envelope.Recipient(session: "5e55101000000000000000000000000b", seq: 1),
                      Envelope.Recipient(session: "5e55101000000000000000000000000c", seq: 7),
                  ]),
                  signer: coordinator, tensors: params, options: PayloadOptions(encoding: .f32, compressionLevel: nil))
        try valid("15-welcome-spec-hash", "welcome for a component declared by a spec file: componentSpecHash is the file's SHA-256 (the site refuses another)",
                  .welcome(Welcome(component: "hybrid-penicillin", currentVersion: 0, currentVersionID: baseID, heartbeatSeconds: 5, software: "fedtwin 0.1.0",
                                   coordinatorKey: Hex.encode(coordinator.publicKey.rawRepresentation),
                                   componentSpecHash: SHA256.hex(Array("component spec file bytes".utf8)))),
                  coordEnvelope(0, 0), signer: coordinator)

        // Refusals. Each starts from a valid frame and breaks one thing.
        let good = try codec.encode(.update(Update(baseVersionID: baseID, samples: 120, metrics: ["train_loss": 0.125])),
                                    envelope: siteEnvelope(2, 1), tensors: delta,
                                    options: PayloadOptions(encoding: .q8, blockSize: 5, compressionLevel: 6, delta: baseID), signer: site)
        var flipped = good
        flipped[flipped.count - 10] ^= 0x01
        try invalid("50-bad-signature", "vector 04's frame with one bit of the signature flipped", error: "bad-signature", flipped, signer: site)
        var bodyFlip = good
        bodyFlip[good.count - 64 - 3] ^= 0x80
        try invalid("51-body-bit-flip", "one bit of the compressed body flipped: the signature no longer verifies", error: "bad-signature", bodyFlip, signer: site)
        try invalid("52-truncated", "frame cut 10 bytes short", error: "truncated", Array(good.dropLast(10)), signer: site)
        var magic = good
        magic[0] = 0x47
        try invalid("53-bad-magic", "first byte changed", error: "bad-magic", magic, signer: site)
        var version = good
        version[4] = 9
        try invalid("54-unknown-version", "version byte 9", error: "unsupported-version", version, signer: site)
        var oversized = Array(good[0..<16])
        withUnsafeBytes(of: UInt32(0x7fff_ffff).littleEndian) { oversized.replaceSubrange(8..<12, with: $0) }
        try invalid("55-header-length-over-limit", "prefix declares a 2 GiB header; refuse before reading further", error: "limit-exceeded", oversized, signer: site)

        // A signed zip bomb: the manifest declares 64 bytes, the body inflates to 16 MiB.
        let bombManifest = TensorManifest(rawLength: 64, tensors: [
            TensorEntry(name: "w", dtype: "f32", shape: [16], encoding: "f32", blockSize: nil, offset: 0, length: 64, maxAbsError: 0, rmsError: 0),
        ])
        let bombBody = try Zlib.deflate([UInt8](repeating: 0, count: 16 << 20), level: 9)
        let bombHeader = try MessageCodec.encodeHeader(.update(Update(baseVersionID: baseID, samples: 1, metrics: [:])),
                                                       envelope: siteEnvelope(2, 1), manifest: bombManifest)
        let bomb = try bombBody.withUnsafeBytes {
            try Frame.encode(type: .update, flags: .bodyCompressed, header: bombHeader, body: $0, signer: site)
        }
        try invalid("56-zip-bomb", "validly signed; manifest declares 64 bytes, body inflates to 16 MiB: refuse after 64", error: "inflate-exceeds-declared", bomb, signer: site)

        // A signed update carrying NaN (bypassing the encoder's own refusal).
        var nanBody = [UInt8]()
        for value in [Float(1), .nan, 2, 3] { withUnsafeBytes(of: value.bitPattern.littleEndian) { nanBody += $0 } }
        let nanManifest = TensorManifest(rawLength: 16, tensors: [
            TensorEntry(name: "w", dtype: "f32", shape: [4], encoding: "f32", blockSize: nil, offset: 0, length: 16, maxAbsError: 0, rmsError: 0),
        ])
        let nanHeader = try MessageCodec.encodeHeader(.update(Update(baseVersionID: baseID, samples: 1, metrics: [:])),
                                                      envelope: siteEnvelope(2, 1), manifest: nanManifest)
        let nanFrame = try nanBody.withUnsafeBytes { try Frame.encode(type: .update, flags: [], header: nanHeader, body: $0, signer: site) }
        try invalid("57-nan-in-tensor", "validly signed update whose tensor holds a NaN at element 1", error: "non-finite", nanFrame, signer: site)

        // A signed update whose header says `samples` twice: parsers that keep the first or
        // the last value would disagree about what was signed, so it is refused (§3).
        let okBody = [Float(1), 2, 3, 4].flatMap { value in withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) } }
        let plainHeader = String(decoding: try MessageCodec.encodeHeader(.update(Update(baseVersionID: baseID, samples: 1, metrics: [:])),
                                                                         envelope: siteEnvelope(2, 1), manifest: nanManifest), as: UTF8.self)
        let duplicated = Array(plainHeader.replacingOccurrences(of: "\"samples\":1}", with: "\"samples\":1,\"samples\":1000000000000}").utf8)
        let duplicateFrame = try okBody.withUnsafeBytes { try Frame.encode(type: .update, flags: [], header: duplicated, body: $0, signer: site) }
        try invalid("58-duplicate-key", "validly signed update whose message repeats the key samples (1, then 10^12)", error: "duplicate-key",
                    duplicateFrame, signer: site)

        // A signed update with 65 metrics (§3 bounds: at most 64).
        let manyMetrics = Dictionary(uniqueKeysWithValues: (0...MessageBounds.maxMetrics).map { (String(format: "m%02d", $0), 0.5) })
        let manyHeader = try MessageCodec.encodeHeader(.update(Update(baseVersionID: baseID, samples: 1, metrics: manyMetrics)),
                                                       envelope: siteEnvelope(2, 1), manifest: nanManifest)
        let manyFrame = try okBody.withUnsafeBytes { try Frame.encode(type: .update, flags: [], header: manyHeader, body: $0, signer: site) }
        try invalid("59-too-many-metrics", "validly signed update with 65 metrics (at most 64)", error: "limit-exceeded", manyFrame, signer: site)
        return vectors
    }

    /// The key file content for the vectors: seeds and public keys.
    public static func keysJSON() throws -> [UInt8] {
        let site = try SigningKey(seed: siteSeed)
        let coordinator = try SigningKey(seed: coordinatorSeed)
        return try json([
            "site": ["seed": Hex.encode(siteSeed), "publicKey": Hex.encode(site.publicKey.rawRepresentation), "fingerprint": site.publicKey.fingerprint.hex],
            "coordinator": ["seed": Hex.encode(coordinatorSeed), "publicKey": Hex.encode(coordinator.publicKey.rawRepresentation), "fingerprint": coordinator.publicKey.fingerprint.hex],
        ])
    }

    static func json(_ object: Any) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) + [0x0a]
    }
}

/// SplitMix64 with Box–Muller: enough to make fixed, realistic-looking vector tensors
/// without depending on the twin library.
struct VectorRandom {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) }

    mutating func gaussians(_ count: Int, scale: Double) -> [Float] {
        (0..<count).map { _ in
            let u1 = Swift.max(uniform(), 1e-300), u2 = uniform()
            return Float(scale * (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
        }
    }
}
