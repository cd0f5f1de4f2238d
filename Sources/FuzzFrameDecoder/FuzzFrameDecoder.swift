import FedTwinWire
import Foundation

// libFuzzer target for the frame decoder: prefix parsing, the JSON envelope, signature
// verification and the typed contents (message header and tensor payload).
//
// Built two ways from the same source (scripts/fuzz.sh, docs/security.md "Fuzzing"):
// - `swift build -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING`: `main` hands control
//   to libFuzzer (`LLVMFuzzerRunDriver`), which calls `LLVMFuzzerTestOneInput` per input.
// - a plain `swift build` (what `swift build` / `swift test` do for every product): no
//   libFuzzer is linked, and `main` replays the files named on the command line (a corpus or
//   a crash reproducer) through the same checks.
// Why `@main` in both modes rather than leaving `main` to libFuzzer: SwiftPM on Linux renames
// an executable's entry point to `<Module>_main` and links `main` to that symbol, so an
// executable target without its own entry point fails to link, with or without libFuzzer.

/// The keys of `protocol/vectors/` (fixed seeds): seed frames copied from there name a
/// signer this target knows, so mutated frames reach `verifySignature` with a real key.
let vectorKeys: [PublicKey] = [ProtocolVectors.siteSeed, ProtocolVectors.coordinatorSeed].map {
    try! SigningKey(seed: $0).publicKey
}

let codec = MessageCodec()

/// Feeds one input through every stage a receiver runs on bytes from the network, and traps
/// (a fuzzer crash) when a stage breaks a promise its documentation makes.
func fuzzFrame(_ bytes: [UInt8]) {
    // What a stream reader does first, with only the 16-byte prefix.
    if let prefix = try? bytes.withUnsafeBytes({ try Frame.parsePrefix($0) }) {
        precondition(prefix.frameLength >= Frame.prefixLength + Frame.signatureLength)
    }

    let sealed: SealedMessage
    do {
        sealed = try codec.parse(bytes)
    } catch {
        exercise(error)
        return
    }

    // Signature path: the key the header names when it is a vector key, otherwise one that
    // must be refused as a signer mismatch before any cryptography runs.
    let named = vectorKeys.first { $0.fingerprint == sealed.claimedEnvelope.sender }
    do {
        let received = try sealed.open(with: named ?? vectorKeys[0])
        check(received, sealed)
    } catch {
        exercise(error)
    }

    // Contents as if the signature had verified: an enrolled but hostile site can sign any
    // header and body it likes, so the decoder behind the signature must hold up on its own.
    do {
        check(try sealed.openVerified(), sealed)
    } catch {
        exercise(error)
    }
}

/// Invariants of a frame the decoder accepted.
func check(_ received: ReceivedMessage, _ sealed: SealedMessage) {
    precondition(received.envelope == sealed.claimedEnvelope)
    precondition(received.message.type == sealed.type)
    precondition(received.tensors.count == (received.manifest?.tensors.count ?? 0))
    for tensor in received.tensors {
        precondition(tensor.values.count == tensor.elementCount, "tensor size disagrees with its shape")
        precondition(tensor.values.doubles.allSatisfy(\.isFinite), "decoder let a non-finite value through")
    }
}

/// Refusals are expected; their descriptions and reason codes must not trap either.
func exercise(_ error: any Error) {
    if let frameError = error as? FrameError {
        _ = frameError.reasonCode
    }
    _ = String(describing: error)
}

/// libFuzzer's per-input entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzFrame(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

#if FUZZING
/// libFuzzer's documented entry point for programs that own `main` (LLVM ≥ 12).
/// `@_silgen_name` binds the C symbol; pointers and integers pass the same way in both
/// calling conventions.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif

@main
enum Main {
    static func main() throws {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(runFuzzerDriver(&argc, &argv, fuzzerTestOneInput))
        #else
        // Without libFuzzer: replay the files given as arguments (Tests/FuzzCorpus/frame/*
        // or a crash reproducer) through the same checks.
        for path in CommandLine.arguments.dropFirst() {
            fuzzFrame(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        }
        print("replayed \(CommandLine.arguments.count - 1) inputs")
        #endif
    }
}
