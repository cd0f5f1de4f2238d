import Foundation
import Testing
@testable import FedTwinWire

extension SeededRandom {
    mutating func text() -> String {
        let pieces = ["", "site-a", "ünïcødé", "quote \" and \\ backslash", "new\nline\ttab", "\u{1}\u{1f}", "🧪🧬", "/slash/", "{\"json\":1}", "a"]
        return (0..<Int.random(in: 0...3, using: &self)).map { _ in pieces.randomElement(using: &self)! }.joined()
    }

    mutating func hexID() -> String { SHA256.hex(withUnsafeBytes(of: next(), Array.init)) }

    mutating func uint64() -> UInt64 {
        [0, 1, UInt64.max, UInt64(Int64.max), next(), next() >> 40].randomElement(using: &self)!
    }

    /// A count ≥ 0 (versions).
    mutating func count() -> Int { [0, 1, Int.random(in: 0...1_000_000, using: &self), Int(Int32.max), Int.max].randomElement(using: &self)! }

    /// A finite number > 0.
    mutating func positive() -> Double { [5e-324, 1e-300, 0.1, 1, 1.7976931348623157e308].randomElement(using: &self)! }

    mutating func int() -> Int { [0, 1, -1, Int.random(in: -1_000_000...1_000_000, using: &self), Int(Int32.max)].randomElement(using: &self)! }

    mutating func double() -> Double {
        [0, -0.0, 1e-300, 5e-324, 1.7976931348623157e308, 0.1, gaussian() * Foundation.pow(10, Double(Int.random(in: -30...30, using: &self)))]
            .randomElement(using: &self)!
    }

    mutating func metrics() -> [String: Double] {
        var out: [String: Double] = [:]
        // Metric names are of the safe set (MessageBounds); free text is exercised elsewhere.
        let names = ["loss", "train_loss", "rmse_P", "a.b-c:d/e", "X"]
        for _ in 0..<Int.random(in: 0...4, using: &self) { out[names.randomElement(using: &self)! + "\(out.count)"] = double() }
        return out
    }

    mutating func optional<T>(_ make: (inout SeededRandom) -> T) -> T? { Bool.random(using: &self) ? make(&self) : nil }

    mutating func message(_ type: MessageType) -> Message {
        switch type {
        case .hello:
            return .hello(Hello(site: text(), software: text(), protocolVersions: [1, int()],
                                encodings: [text()], compression: Bool.random(using: &self) ? ["zlib"] : []))
        case .welcome:
            // Settings within MessageBounds (the codec refuses others: StrictJSONTests.settingBounds).
            return .welcome(Welcome(component: text(), currentVersion: count(), currentVersionID: optional { $0.hexID() },
                                    heartbeatSeconds: [0.01, 5, 3600, 0.1 + unit()].randomElement(using: &self)!, software: text(), coordinatorKey: hexID()))
        case .task:
            return .task(TrainingTask(baseVersion: count(), baseVersionID: hexID(), parametersID: hexID(), component: text(),
                                      training: TrainingSettings(epochs: Int.random(in: 1...MessageBounds.maxEpochs, using: &self), learningRate: positive(),
                                                                 batchSize: Int.random(in: 1...MessageBounds.maxBatchSize, using: &self),
                                                                 proximalMu: abs(double()), seed: uint64()),
                                      deadlineSeconds: positive(), updateEncoding: text(), updateBlockSize: Int.random(in: 1...65536, using: &self),
                                      updateCompressionLevel: optional { Int.random(in: 0...9, using: &$0) }))
        case .update:
            return .update(Update(baseVersionID: hexID(), samples: int(), metrics: metrics()))
        case .evaluate:
            return .evaluate(Evaluate(version: count(), versionID: hexID(), parametersID: hexID()))
        case .evaluation:
            return .evaluation(Evaluation(versionID: hexID(), samples: int(), metrics: metrics()))
        case .ack:
            return .ack(Ack(ackSeq: uint64(), storedID: optional { $0.hexID() }))
        case .reject:
            let code = Bool.random(using: &self) ? ReasonCode.all.randomElement(using: &self)! : ReasonCode(rawValue: "future-code-\(int())")
            return .reject(Reject(code: code, reason: text(), refSeq: optional { $0.uint64() }))
        case .heartbeat:
            return .heartbeat(Heartbeat(state: text()))
        case .bye:
            return .bye(Bye(reason: text()))
        }
    }
}

@Suite("Message round trips")
struct MessageRoundTripTests {
    @Test(arguments: MessageType.allCases)
    func roundTrip(type: MessageType) throws {
        for seed in propertySeeds {
            var rng = SeededRandom(seed: seed &* 31 &+ UInt64(type.rawValue))
            let signer = Bool.random(using: &rng) ? Keys.a : Keys.b
            let message = rng.message(type)
            #expect(message.type == type)
            let envelope = Envelope(sender: signer.publicKey.fingerprint, session: rng.hexID(), challenge: rng.text(), round: rng.uint64(), seq: rng.uint64())
            var payload: TensorPayload?
            var tensors: [Tensor] = []
            if type.carriesPayload {
                tensors = rng.tensors(count: Int.random(in: 0...3, using: &rng), maxMagnitude: 100)
                let encoding: TensorEncoding = tensors.contains { $0.dtype == .f32 } ? [.f32, .f16, .q8].randomElement(using: &rng)! : TensorEncoding.allCases.randomElement(using: &rng)!
                payload = try TensorPayload.encode(tensors, options: PayloadOptions(encoding: encoding, blockSize: Int.random(in: 1...20, using: &rng),
                                                                                    compressionLevel: [nil, 1, 9].randomElement(using: &rng)!,
                                                                                    delta: rng.optional { $0.hexID() }))
            }
            let bytes = try MessageCodec().encode(message, envelope: envelope, payload: payload, signer: signer)
            #expect(bytes[5] == type.rawValue)
            #expect(bytes[6] == (payload?.isCompressed == true ? 1 : 0))

            let sealed = try MessageCodec().parse(bytes)
            #expect(sealed.type == type)
            #expect(sealed.claimedEnvelope == envelope)
            let received = try sealed.open(with: signer.publicKey)
            #expect(received.message == message, "seed \(seed)")
            #expect(received.envelope == envelope)
            #expect(received.manifest == payload?.manifest)
            #expect(received.frameID == SHA256.hex(bytes))
            #expect(received.tensors.count == tensors.count)
            for (back, original) in zip(received.tensors, tensors) {
                #expect(back.name == original.name && back.shape == original.shape && back.dtype == original.dtype)
            }
            if let payload {
                #expect(received.tensors == (try TensorPayload.decode(manifest: payload.manifest, body: payload.body, isCompressed: payload.isCompressed)))
            } else {
                #expect(received.tensors.isEmpty)
            }
            // Deterministic: same inputs, same bytes (sorted JSON keys, deterministic Ed25519).
            #expect(try MessageCodec().encode(message, envelope: envelope, payload: payload, signer: signer) == bytes)
        }
    }

    /// Lossless payloads come back bit for bit through a whole signed frame.
    @Test(arguments: [MessageType.task, .update, .evaluate])
    func losslessTensorsThroughFrame(type: MessageType) throws {
        var rng = SeededRandom(seed: UInt64(type.rawValue))
        for dtype in DType.allCases {
            let tensors = rng.tensors(count: 3, dtype: dtype)
            let bytes = try MessageCodec().encode(rng.message(type), envelope: Envelope(sender: Keys.a.publicKey.fingerprint),
                                                  tensors: tensors, options: PayloadOptions(encoding: dtype == .f32 ? .f32 : .f64), signer: Keys.a)
            let received = try receive(bytes)
            #expect(received.tensors.map { bitPatterns($0.values) } == tensors.map { bitPatterns($0.values) })
            #expect(received.tensors == tensors)
        }
    }

    @Test func signedFieldsAreInTheHeader() throws {
        let bytes = try sampleUpdateFrame()
        let header = try #require(try JSONSerialization.jsonObject(with: Data(try Frame(parsing: bytes).header)) as? [String: Any])
        #expect(header["sender"] as? String == Keys.a.publicKey.fingerprint.hex)
        #expect(header["session"] as? String == "s1")
        #expect(header["challenge"] as? String == "c1")
        #expect((header["round"] as? NSNumber)?.intValue == 3)
        #expect((header["seq"] as? NSNumber)?.intValue == 4)
        #expect(header["message"] is [String: Any])
        #expect(header["payload"] is [String: Any])
    }

    /// A site learns the coordinator key from `welcome` before it can verify it, then pins it.
    @Test func welcomeCarriesTheCoordinatorKey() throws {
        let welcome = Welcome(component: "c", currentVersion: 0, currentVersionID: nil, heartbeatSeconds: 5, software: "t",
                              coordinatorKey: Hex.encode(Keys.b.publicKey.rawRepresentation))
        let bytes = try MessageCodec().encode(.welcome(welcome), envelope: Envelope(sender: Keys.b.publicKey.fingerprint), signer: Keys.b)
        let sealed = try MessageCodec().parse(bytes)
        let claimed = try sealed.claimedCoordinatorKey()
        #expect(claimed == Keys.b.publicKey)
        #expect(try sealed.open(with: claimed).message == .welcome(welcome))

        var bad = welcome
        bad.coordinatorKey = "abcd"
        let badBytes = try MessageCodec().encode(.welcome(bad), envelope: Envelope(sender: Keys.b.publicKey.fingerprint), signer: Keys.b)
        #expect(throws: FrameError(.malformedHeader("welcome.coordinatorKey is not 32 hex-encoded bytes"))) {
            try MessageCodec().parse(badBytes).claimedCoordinatorKey()
        }
        #expect(throws: FrameError(.unexpectedBody("expected a welcome frame, got update"))) {
            try MessageCodec().parse(try sampleUpdateFrame()).claimedCoordinatorKey()
        }
    }

    @Test func reasonCodesAreStable() throws {
        #expect(ReasonCode.all.count == 26)
        #expect(Set(ReasonCode.all).count == ReasonCode.all.count)
        #expect(ReasonCode.all.allSatisfy { $0.rawValue.allSatisfy { $0.isLowercase || $0 == "-" } })
        #expect(ReasonCode.badSignature.rawValue == "bad-signature")
        #expect(ReasonCode.nonFinite.rawValue == "non-finite")
        #expect(String(decoding: try JSONEncoder().encode(ReasonCode.lateUpdate), as: UTF8.self) == "\"late-update\"")
    }
}
