/// A frame refused by the decoder, with the field and the limit or value involved.
public struct FrameError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Problem: Sendable, Equatable {
        /// Fewer bytes than the layout needs.
        case truncated(needed: Int, available: Int)
        /// Bytes after the signature.
        case trailingBytes(count: Int)
        case badMagic([UInt8])
        case unsupportedVersion(UInt8)
        case unknownMessageType(UInt8)
        case unknownFlags(UInt16)
        /// A declared length above the configured limit (checked before allocation).
        case limitExceeded(field: String, value: Int, limit: Int)
        /// The signature does not verify with the key of the named signer.
        case badSignature(signer: String)
        /// The header names a signer other than the key it is being verified with.
        case signerMismatch(header: String, key: String)
        /// The JSON header is not valid JSON or lacks a required field.
        case malformedHeader(String)
        /// The JSON header repeats a key (at this dotted path) in one of its objects.
        case duplicateKey(String)
        /// The body does not hold a valid payload for the header's manifest.
        case payload(PayloadError)
        /// A body without a manifest, or a manifest without a body.
        case unexpectedBody(String)
    }

    public var problem: Problem

    public init(_ problem: Problem) { self.problem = problem }

    public var description: String {
        switch problem {
        case .truncated(let n, let a): return "truncated frame: \(a) bytes, layout needs \(n)"
        case .trailingBytes(let c): return "\(c) unexpected bytes after the frame signature"
        case .badMagic(let m): return "bad magic \(Hex.encode(m)) (expected \(Hex.encode(Frame.magic)), \"FTWF\")"
        case .unsupportedVersion(let v): return "unsupported frame version \(v) (this build speaks \(Frame.version))"
        case .unknownMessageType(let t): return "unknown message type \(t)"
        case .unknownFlags(let f): return "unknown flag bits 0x\(String(f, radix: 16))"
        case .limitExceeded(let f, let v, let l): return "\(f) \(v) exceeds the limit \(l)"
        case .badSignature(let s): return "signature does not verify for signer \(s.prefix(16))"
        case .signerMismatch(let h, let k): return "header names signer \(h.prefix(16)) but the key offered is \(k.prefix(16))"
        case .malformedHeader(let d): return "malformed JSON header: \(d)"
        case .duplicateKey(let path): return "JSON header repeats the key '\(path)' (PROTOCOL.md §2: keys are unique in every object)"
        case .payload(let p): return p.description
        case .unexpectedBody(let d): return d
        }
    }
}
