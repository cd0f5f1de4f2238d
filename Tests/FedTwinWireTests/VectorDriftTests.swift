import Foundation
import Testing
@testable import FedTwinWire

/// protocol/vectors/ is what a second implementation checks itself against: it must be
/// exactly what this code generates, and this code must accept and refuse it as it says.
@Suite("Protocol vectors")
struct VectorDriftTests {
    static let directory: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent() // FedTwinWireTests
        .deletingLastPathComponent() // Tests
        .deletingLastPathComponent() // repository root
        .appendingPathComponent("protocol/vectors")

    static let regenerate = "run `swift run fedtwin vectors --out protocol/vectors` and commit the result"

    /// Every generated file, by name.
    static func generated() throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = ["keys.json": try ProtocolVectors.keysJSON()]
        for vector in try ProtocolVectors.generate() {
            files["\(vector.name).frame"] = vector.frame
            files["\(vector.name).json"] = vector.expectation
        }
        return files
    }

    static func committed(_ name: String) throws -> [UInt8]? {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return Array(try Data(contentsOf: url))
    }

    @Test func generationIsDeterministic() throws {
        #expect(try Self.generated() == Self.generated())
    }

    @Test func committedVectorsMatchGenerated() throws {
        let generated = try Self.generated()
        #expect(generated.count >= 2 * 13 + 1)
        for (name, bytes) in generated.sorted(by: { $0.key < $1.key }) {
            guard let committed = try Self.committed(name) else {
                Issue.record("protocol/vectors/\(name) is missing: \(Self.regenerate)")
                continue
            }
            if committed != bytes {
                let firstDifference = zip(committed, bytes).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(committed.count, bytes.count)
                Issue.record("protocol/vectors/\(name) drifted from the generator (\(committed.count) vs \(bytes.count) bytes, first difference at byte \(firstDifference)): \(Self.regenerate)")
            }
        }
    }

    @Test func noStaleCommittedFiles() throws {
        let generated = try Self.generated()
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
        #expect(!names.isEmpty)
        for name in names.sorted() where generated[name] == nil {
            Issue.record("protocol/vectors/\(name) is not produced by ProtocolVectors.generate(): delete it or \(Self.regenerate)")
        }
    }

    // MARK: Decoding the committed files

    static func keys() throws -> [String: SigningKey] {
        let file = try #require(try committed("keys.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(file)) as? [String: [String: String]])
        var out: [String: SigningKey] = [:]
        for (_, entry) in json {
            let raw = try #require(Hex.decode(entry["publicKey"] ?? ""))
            let key = try PublicKey(rawRepresentation: raw)
            #expect(key.fingerprint.hex == entry["fingerprint"])
            // The seed really is the private half.
            let seed = try #require(Hex.decode(entry["seed"] ?? "-"))
            let signing = try SigningKey(seed: seed)
            #expect(signing.publicKey == key)
            out[key.fingerprint.hex] = signing
        }
        return out
    }

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [])
            .filter { $0.hasSuffix(".json") && $0 != "keys.json" }
            .map { String($0.dropLast(5)) }
            .sorted()
    }

    @Test(arguments: names)
    func committedVectorBehavesAsDocumented(name: String) throws {
        let json = try #require(try Self.committed("\(name).json"))
        let expectation = try #require(try JSONSerialization.jsonObject(with: Data(json)) as? [String: Any])
        let file = try #require(expectation["file"] as? String)
        let frame = try #require(try Self.committed(file))
        let signer = try #require(expectation["signer"] as? String)
        let signing = try #require(try Self.keys()[signer], "vector \(name) names an unknown signer")
        let key = signing.publicKey
        if expectation["valid"] as? Bool == true {
            try checkValid(name, frame, json, expectation, signing)
        } else {
            try checkInvalid(name, frame, try #require(expectation["error"] as? String), key)
        }
    }

    struct ExpectedTensors: Decodable {
        struct Entry: Decodable {
            var name: String
            var dtype: String
            var shape: [Int]
            var original: [Double]
            var decoded: [Double]
        }
        var tensors: [Entry]?
    }

    private func checkValid(_ name: String, _ bytes: [UInt8], _ json: [UInt8], _ expectation: [String: Any], _ signing: SigningKey) throws {
        let key = signing.publicKey
        let received = try MessageCodec().parse(bytes).open(with: key)
        let frame = try Frame(parsing: bytes)
        #expect(Int(frame.type.rawValue) == expectation["type"] as? Int)
        #expect(frame.type.description == expectation["kind"] as? String)
        #expect(Int(frame.flags.rawValue) == expectation["flags"] as? Int)
        #expect(received.frameID == expectation["frameID"] as? String)
        #expect(Hex.encode(frame.signedDigest) == expectation["signedDigest"] as? String)
        #expect(received.envelope.sender == key.fingerprint)
        // The header JSON is the one documented.
        let header = try JSONSerialization.jsonObject(with: Data(frame.header)) as? NSDictionary
        #expect(header == (expectation["header"] as? NSDictionary), "\(name): header differs")
        // Re-encoding what was decoded gives back the same bytes (for payloads, around the
        // received body as it was).
        let payload = received.manifest.map { TensorPayload(manifest: $0, body: Array(frame.body), isCompressed: frame.flags.contains(.bodyCompressed)) }
        #expect(try MessageCodec().encode(received.message, envelope: received.envelope, payload: payload, signer: signing) == bytes, "\(name): re-encoding differs")
        // A site checks parametersID against its parameters (§6, §8): so must the vectors.
        switch received.message {
        case .task(let task):
            #expect(task.parametersID == SafeTensors.contentID(received.tensors), "\(name): parametersID is not the content id of its tensors")
        case .evaluate(let evaluate):
            #expect(evaluate.parametersID == SafeTensors.contentID(received.tensors), "\(name): parametersID is not the content id of its tensors")
        default:
            break
        }
        // JSONDecoder, not JSONSerialization: the latter does not parse every double exactly.
        let tensors = try JSONDecoder().decode(ExpectedTensors.self, from: Data(json)).tensors ?? []
        try #require(received.tensors.count == tensors.count, "\(name): tensor count")
        for (tensor, expected) in zip(received.tensors, tensors) {
            #expect(tensor.name == expected.name)
            #expect(tensor.dtype.rawValue == expected.dtype)
            #expect(tensor.shape == expected.shape)
            let decoded = expected.decoded
            #expect(tensor.values.doubles.map(\.bitPattern) == decoded.map(\.bitPattern), "\(name) \(tensor.name): decoded values differ")
            // The recorded errors agree with original vs decoded, as the checker verifies.
            let original = expected.original
            let entry = try #require(received.manifest?.tensors.first { $0.name == tensor.name })
            let truth = Reference.errors(original, decoded)
            #expect(close(entry.maxAbsError, truth.maxAbs) && close(entry.rmsError, truth.rms), "\(name) \(tensor.name): recorded error")
        }
    }

    private func checkInvalid(_ name: String, _ bytes: [UInt8], _ code: String, _ key: PublicKey) throws {
        let error = #expect(throws: FrameError.self, "\(name) must be refused") { try MessageCodec().parse(bytes).open(with: key) }
        guard let problem = error?.problem else { return }
        let matches: Bool
        switch (code, problem) {
        case ("bad-signature", .badSignature(let signer)): matches = signer == key.fingerprint.hex
        case ("truncated", .truncated): matches = true
        case ("bad-magic", .badMagic): matches = true
        case ("unsupported-version", .unsupportedVersion): matches = true
        case ("limit-exceeded", .limitExceeded): matches = true
        case ("duplicate-key", .duplicateKey(let path)): matches = path == "message.samples"
        case ("inflate-exceeds-declared", .payload(let p)):
            if case .inflate(let z) = p.problem { matches = z.detail?.contains("inflates past the declared") == true } else { matches = false }
        case ("non-finite", .payload(let p)):
            if case .nonFinite = p.problem { matches = true } else { matches = false }
        default:
            matches = false
        }
        #expect(matches, "\(name): expected \(code), got \(problem)")
        // The reason code a receiver would send back exists.
        #expect(ReasonCode.all.contains(ReasonCode(rawValue: code)) || ["truncated", "bad-magic", "inflate-exceeds-declared"].contains(code))
    }
}
