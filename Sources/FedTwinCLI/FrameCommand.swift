import ArgumentParser
import FedTwinWire
import Foundation

/// `fedtwin frame`: look inside frames, the debugging tool for integrators.
struct FrameCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "frame",
        abstract: "Inspect and make protocol frames.",
        subcommands: [Inspect.self, Sample.self]
    )

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode a frame file, print its header and manifest, and verify its signature.",
            discussion: "Exits non-zero if the frame is malformed, the signer is not the given key, or the signature does not verify."
        )

        @Argument(help: "A file holding exactly one frame.")
        var file: String

        @Option(help: "Public key PEM of the expected signer. Without it the signature is not checked.")
        var key: String?

        @Flag(help: "Print every tensor value, not just summaries.")
        var values = false

        func run() throws {
            let bytes = try FileSystem.read(file)
            let sealed: SealedMessage
            do {
                sealed = try MessageCodec().parse(bytes)
            } catch {
                throw CLIError("\(file): \(error)")
            }
            let frame = sealed.frame
            print("frame:     \(file) (\(bytes.count) bytes)")
            print("type:      \(frame.type) (\(frame.type.rawValue))")
            print("flags:     0x\(String(frame.flags.rawValue, radix: 16))\(frame.flags.contains(.bodyCompressed) ? " (body zlib-compressed)" : "")")
            print("header:    \(frame.header.count) bytes; body: \(frame.body.count) bytes")
            print("signer:    \(sealed.claimedEnvelope.sender.short) (claimed in header)")
            print("frame id:  \(frame.contentID)")
            let pretty = (try? JSONSerialization.jsonObject(with: Data(frame.header)))
                .flatMap { try? JSONSerialization.data(withJSONObject: $0, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) }
                .map { String(decoding: $0, as: UTF8.self) } ?? String(decoding: frame.header, as: UTF8.self)
            print("header JSON:\n\(pretty)")
            guard let key else {
                print("signature: NOT CHECKED (pass --key SIGNER.pub to verify)")
                return
            }
            let publicKey = try KeyFile.readPublicKey(at: key)
            let received: ReceivedMessage
            do {
                received = try sealed.open(with: publicKey)
            } catch {
                print("signature: FAILED — \(error)")
                throw ExitCode(1)
            }
            print("signature: OK (Ed25519, key \(publicKey.fingerprint.short))")
            for tensor in received.tensors {
                let v = tensor.values.doubles
                let rms = v.isEmpty ? 0 : (v.reduce(0) { $0 + $1 * $1 } / Double(v.count)).squareRoot()
                let entry = received.manifest?.tensors.first { $0.name == tensor.name }
                var line = "tensor \(tensor.name) \(tensor.dtype.rawValue)\(tensor.shape) encoding=\(entry?.encoding ?? "?")"
                line += " rms=\(fmt(rms)) min=\(fmt(v.min() ?? 0)) max=\(fmt(v.max() ?? 0))"
                if let entry, entry.maxAbsError > 0 { line += " recorded error: max \(fmt(entry.maxAbsError)), rms \(fmt(entry.rmsError))" }
                print(line)
                if values { print("  \(v)") }
            }
        }
    }

    struct Sample: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a signed update frame with random weights, to try the wire format end to end.",
            discussion: "Example: fedtwin frame sample --key site-a.key --out update.ftw --params 100000 --encoding q8"
        )

        @Option(help: "Private key PEM to sign with.")
        var key: String

        @Option(help: "Output frame file.")
        var out: String

        @Option(help: "Number of parameters (split over a weight matrix and a bias).")
        var params: Int = 10_000

        @Option(help: "Element encoding: f32, f16 or q8.")
        var encoding: String = "q8"

        @Option(help: "q8 block size.")
        var blockSize: Int = 256

        @Option(help: "zlib level 0–9, or -1 for no compression.")
        var level: Int32 = 6

        @Option(help: "Random seed.")
        var seed: UInt64 = 1

        func run() throws {
            guard let encoding = TensorEncoding(rawValue: encoding) else {
                throw ValidationError("--encoding must be one of f32, f64, f16, q8; got '\(self.encoding)'")
            }
            guard params >= 2 else { throw ValidationError("--params must be at least 2") }
            let signer = try KeyFile.readPrivateKey(at: key)
            let tensors = SyntheticWeights.update(parameters: params, seed: seed)
            let options = PayloadOptions(encoding: encoding, blockSize: blockSize, compressionLevel: level < 0 ? nil : level)
            let envelope = Envelope(sender: signer.publicKey.fingerprint, session: "sample", challenge: "sample", round: 1, seq: 1)
            let bytes = try MessageCodec().encode(.update(Update(baseVersionID: "", samples: 100, metrics: ["train_loss": 0.1])),
                                                  envelope: envelope, tensors: tensors, options: options, signer: signer)
            try FileSystem.write(bytes, to: out)
            print("wrote \(out): \(bytes.count) bytes (raw f32 would be \(params * 4) bytes), signer \(signer.publicKey.fingerprint.short)")
        }
    }
}

func fmt(_ x: Double) -> String { String(format: "%.4g", x) }
