import FedTwinWire
import Foundation
import FuzzDriver

// libFuzzer target for the tensor payload decoder, manifest JSON and body both fuzzed.
// Built with `-sanitize=fuzzer,address -DFUZZING` by scripts/fuzz.sh; in a plain `swift build`
// `main` replays files instead (`FuzzDriver` explains why both modes have an `@main`).
//
// Input layout: byte 0 holds flags (bit 0: the body is zlib-compressed), then the manifest
// JSON up to the first NUL byte (JSON text never contains a raw NUL), then the body.

let decoder = JSONDecoder()

func fuzzPayload(_ input: [UInt8]) {
    guard let flags = input.first else { return }
    let rest = input.dropFirst()
    let split = rest.firstIndex(of: 0) ?? rest.endIndex
    let manifestJSON = Data(rest[..<split])
    let body = Array(rest[split...].dropFirst())
    let isCompressed = flags & 1 == 1

    guard let manifest = try? decoder.decode(TensorManifest.self, from: manifestJSON) else { return }
    let tensors: [Tensor]
    do {
        tensors = try TensorPayload.decode(manifest: manifest, body: body, isCompressed: isCompressed)
    } catch {
        _ = String(describing: error)
        return
    }

    precondition(tensors.count == manifest.tensors.count)
    for (tensor, entry) in zip(tensors, manifest.tensors) {
        precondition(tensor.name == entry.name && tensor.shape == entry.shape && tensor.dtype.rawValue == entry.dtype)
        precondition(tensor.values.count == tensor.elementCount, "tensor size disagrees with its shape")
        precondition(tensor.values.doubles.allSatisfy(\.isFinite), "decoder let a non-finite value through")
    }

    // What was accepted must survive the way back: lossless storage in the tensors' own
    // precision reproduces them exactly, compressed or not.
    for compressionLevel in [nil, 1] as [Int32?] {
        let lossless = tensors.allSatisfy { $0.dtype == .f32 } ? TensorEncoding.f32 : .f64
        roundTrip(tensors, PayloadOptions(encoding: lossless, compressionLevel: compressionLevel), exact: true)
    }
    // The manifest's own (possibly lossy) encoding: the encoder may refuse a value it
    // cannot represent, but whatever it produces must decode.
    if let first = manifest.tensors.first, let encoding = TensorEncoding(rawValue: first.encoding) {
        roundTrip(tensors, PayloadOptions(encoding: encoding, blockSize: first.blockSize ?? 256, compressionLevel: nil), exact: false)
    }
}

func roundTrip(_ tensors: [Tensor], _ options: PayloadOptions, exact: Bool) {
    let payload: TensorPayload
    do {
        payload = try TensorPayload.encode(tensors, options: options)
    } catch {
        precondition(!exact || tensors.contains { $0.dtype == .f32 } && options.encoding == .f64,
                     "lossless re-encoding refused: \(error)")
        return
    }
    let decoded: [Tensor]
    do {
        decoded = try TensorPayload.decode(manifest: payload.manifest, body: payload.body, isCompressed: payload.isCompressed)
    } catch {
        preconditionFailure("the encoder produced a payload the decoder refuses (\(options)): \(error)")
    }
    if exact {
        precondition(decoded == tensors, "lossless round trip changed the tensors")
    }
}

/// libFuzzer's per-input entry point.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzPayload(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

@main
enum Main {
    static func main() throws {
        try FuzzDriver.run(fuzzerTestOneInput)
    }
}
