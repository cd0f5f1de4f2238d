import FedTwinWire
import Foundation
import FuzzDriver

// libFuzzer target for the frame decoder: prefix parsing, the JSON envelope, signature
// verification and the typed contents (message header and tensor payload).
//
// Built as a libFuzzer fuzzer by scripts/fuzz.sh, and as a corpus replayer by a plain
// `swift build`; `FuzzDriver` explains how.

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

@main
enum Main {
    static func main() throws {
        try FuzzDriver.run(fuzzerTestOneInput)
    }
}
