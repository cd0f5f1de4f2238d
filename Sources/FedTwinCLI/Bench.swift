import ArgumentParser
import FedTwinWire
import Foundation

/// `fedtwin bench`: benchmarks that print figures (not tests: timings on a shared VM flake).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print performance figures. Build with -c release for meaningful numbers.",
        subcommands: [WireBench.self]
    )
}

struct WireBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wire",
        abstract: "Time each stage of encoding and decoding an update, and the primitives alone."
    )

    @Option(help: "Parameters in the update.")
    var params: Int = 1_000_000

    @Option(help: "Repetitions per measurement (the median is printed).")
    var repeats: Int = 9

    @Option(help: "zlib level.")
    var level: Int32 = 6

    @Option(help: "q8 block size.")
    var blockSize: Int = 256

    func run() throws {
        let tensors = SyntheticWeights.update(parameters: params, seed: 42)
        let key = try SigningKey.generate()
        let codec = MessageCodec()
        let envelope = Envelope(sender: key.publicKey.fingerprint, session: "bench", challenge: "bench", round: 1, seq: 1)
        let update = Message.update(Update(baseVersionID: "", samples: 1000, metrics: ["train_loss": 0.1]))
        let rawBytes = params * 4
        print("FedTwin wire benchmark: \(params) f32 parameters (\(rawBytes) bytes raw), median of \(repeats) runs")
        print("")

        // Sizes for each encoding.
        print("encoding        bytes on wire   ratio to raw f32   max abs err   rms err")
        for (label, encoding, level) in [("raw f32", TensorEncoding.f32, Int32?.none), ("f32+zlib", .f32, self.level),
                                         ("fp16", .f16, nil), ("fp16+zlib", .f16, self.level),
                                         ("int8 (q8)", .q8, nil), ("int8+zlib", .q8, self.level)] {
            let payload = try TensorPayload.encode(tensors, options: PayloadOptions(encoding: encoding, blockSize: blockSize, compressionLevel: level))
            let maxAbs = payload.manifest.tensors.map(\.maxAbsError).max() ?? 0
            let rms = payload.manifest.tensors.map(\.rmsError).max() ?? 0
            print(pad(label, 16) + pad("\(payload.body.count)", 16) + pad(String(format: "%.3f (%.2fx smaller)", Double(payload.body.count) / Double(rawBytes), Double(rawBytes) / Double(payload.body.count)), 19)
                  + pad(String(format: "%.3g", maxAbs), 14) + String(format: "%.3g", rms))
        }
        print("")

        // Encode path, stage by stage (q8 + zlib).
        let options = PayloadOptions(encoding: .q8, blockSize: blockSize, compressionLevel: level)
        let uncompressed = try TensorPayload.encode(tensors, options: PayloadOptions(encoding: .q8, blockSize: blockSize, compressionLevel: nil))
        let compressedBody = try Zlib.deflate(uncompressed.body, level: level)
        let frameBytes = try codec.encode(update, envelope: envelope, tensors: tensors, options: options, signer: key)
        let digest = try Frame(parsing: frameBytes).signedDigest
        let signature = try key.signature(for: digest)

        let quantise = try measure { _ = try TensorPayload.encode(tensors, options: PayloadOptions(encoding: .q8, blockSize: blockSize, compressionLevel: nil)) }
        let compress = try measure { _ = try Zlib.deflate(uncompressed.body, level: level) }
        let hash = try measure { _ = SHA256.hash(frameBytes) }
        let sign = try measure { _ = try key.signature(for: digest) }
        let encodeAll = try measure { _ = try codec.encode(update, envelope: envelope, tensors: tensors, options: options, signer: key) }
        print("encode (q8 + zlib \(level), \(frameBytes.count)-byte frame)")
        row("quantise + error measurement", quantise)
        row("compress (zlib)", compress)
        row("hash (SHA-256 of frame)", hash)
        row("sign (Ed25519 of digest)", sign)
        row("whole encode path", encodeAll)
        print("")

        // Decode path and its primitives.
        let sealed = try codec.parse(frameBytes)
        let verify = try measure { try sealed.frame.verifySignature(with: key.publicKey) }
        let inflate = try measure { _ = try compressedBody.withUnsafeBytes { try Zlib.inflate($0, expectedSize: uncompressed.manifest.rawLength) } }
        let dequantise = try measure { _ = try TensorPayload.decode(manifest: uncompressed.manifest, body: uncompressed.body, isCompressed: false) }
        let decodeAll = try measure { _ = try codec.parse(frameBytes).open(with: key.publicKey) }
        let ed25519 = try measure { _ = key.publicKey.isValidSignature(signature, for: digest) }
        let floats: [Float] = { if case .f32(let v) = tensors[0].values { return v } else { return [] } }()
        let onePass = try measure {
            let copy = [Float](unsafeUninitializedCapacity: params) { out, n in
                floats.withUnsafeBufferPointer { src in
                    for i in 0..<src.count { out[i] = src[i] }
                    for i in src.count..<params { out[i] = 0 }
                }
                n = params
            }
            precondition(copy.count == params)
        }
        print("decode")
        row("verify (SHA-256 + Ed25519)", verify)
        row("inflate", inflate)
        row("dequantise (+ finite check)", dequantise)
        row("whole decode path (parse, verify, inflate, dequantise)", decodeAll)
        print("")
        print("primitives alone")
        row("inflate", inflate)
        row("SHA-256 of frame", hash)
        row("Ed25519 verify of digest", ed25519)
        row("one pass over the tensor (write \(params) floats)", onePass)
        let sum = inflate + hash + ed25519 + onePass
        row("sum of primitives", sum)
        print(String(format: "decode path / sum of primitives = %.2f (target ≤ 1.5)", decodeAll / sum))
    }

    func measure(_ body: () throws -> Void) throws -> Double {
        try body() // warm-up
        var samples: [Double] = []
        for _ in 0..<max(1, repeats) {
            let start = ContinuousClock.now
            try body()
            let elapsed = ContinuousClock.now - start
            samples.append(Double(elapsed.components.seconds) * 1e3 + Double(elapsed.components.attoseconds) / 1e15)
        }
        return samples.sorted()[samples.count / 2]
    }

    func row(_ label: String, _ ms: Double) {
        print("  " + pad(label, 58) + String(format: "%9.3f ms", ms))
    }
}

func pad(_ s: String, _ width: Int) -> String {
    s.count >= width ? s + " " : s + String(repeating: " ", count: width - s.count)
}
