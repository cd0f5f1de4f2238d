import FedTwinWire
import Foundation

/// Builders for frames no honest peer writes: every one is laid out and signed with the real
/// wire code (so it gets past the checks before the one it is meant to fail), then bent in
/// exactly one place.
enum HostileFrames {
    /// Limits wide enough to let the builders write frames the coordinator must refuse.
    static let unbounded = FrameLimits(maxHeaderLength: 64 << 20, maxBodyLength: 1 << 30)

    /// Re-lays out and re-signs a frame with a changed header, body or flags: the signature
    /// is valid, so whatever is refused is refused for the change.
    static func resign(_ frame: [UInt8], key: SigningKey, header: [UInt8]? = nil, body: [UInt8]? = nil,
                       flags: FrameFlags? = nil) throws -> [UInt8] {
        let parsed = try Frame(parsing: frame, limits: unbounded)
        let newBody = body ?? Array(parsed.body)
        return try newBody.withUnsafeBytes {
            try Frame.encode(type: parsed.type, flags: flags ?? parsed.flags, header: header ?? Array(parsed.header),
                             body: $0, signer: key, limits: unbounded)
        }
    }

    /// The JSON header as a dictionary, changed by `edit`, written back.
    static func editHeader(_ frame: [UInt8], _ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
        let parsed = try Frame(parsing: frame, limits: unbounded)
        guard var object = try JSONSerialization.jsonObject(with: Data(parsed.header)) as? [String: Any] else {
            throw IntegrationError("header is not a JSON object")
        }
        edit(&object)
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }

    /// A 16-byte prefix with the given fields (nothing after it).
    static func prefix(magic: [UInt8] = Frame.magic, version: UInt8 = Frame.version, type: UInt8 = 1, flags: UInt16 = 0,
                       headerLength: UInt32, bodyLength: UInt32) -> [UInt8] {
        var out = magic
        out.append(version)
        out.append(type)
        withUnsafeBytes(of: flags.littleEndian) { out += $0 }
        withUnsafeBytes(of: headerLength.littleEndian) { out += $0 }
        withUnsafeBytes(of: bodyLength.littleEndian) { out += $0 }
        return out
    }

    /// `frame` with one byte of its prefix replaced.
    static func patchingPrefix(_ frame: [UInt8], at offset: Int, to value: UInt8) -> [UInt8] {
        var out = frame
        out[offset] = value
        return out
    }

    /// Flips one bit of the signature: the frame is intact, the signature is not.
    static func flippingSignature(_ frame: [UInt8]) -> [UInt8] {
        var out = frame
        out[out.count - 1] ^= 0x01
        return out
    }

    /// Zero deltas shaped like `task`'s tensors.
    static func zeros(like task: ReceivedMessage, value: Float = 0) -> [Tensor] {
        task.tensors.map { tensor in
            switch tensor.values {
            case .f32(let v): return Tensor(name: tensor.name, shape: tensor.shape, floats: [Float](repeating: value, count: v.count))
            case .f64(let v): return Tensor(name: tensor.name, shape: tensor.shape, doubles: [Double](repeating: Double(value), count: v.count))
            }
        }
    }

    /// Deterministic bytes that are not a frame.
    static func garbage(_ count: Int) -> [UInt8] {
        var state: UInt32 = 0x9E37_79B9
        return (0..<count).map { _ in
            state ^= state << 13; state ^= state >> 17; state ^= state << 5
            return UInt8(truncatingIfNeeded: state)
        }
    }
}

extension RogueSite {
    /// The envelope the next frame would carry (`seq` = `nextSeq` unless given).
    func envelope(round: UInt64, skip: UInt64 = 0) -> Envelope {
        Envelope(sender: key.publicKey.fingerprint, session: session, challenge: challenge, round: round, seq: nextSeq + skip)
    }

    /// Builds a frame with the next envelope and queues it, in one actor turn so that no
    /// heartbeat takes its `seq` in between. `skip` > 0 numbers it past the next `seq` (an
    /// out-of-order frame). `consumesSeq` says whether the coordinator will
    /// count the `seq` (it does when the frame passes the session and `seq` checks, even if
    /// it is refused afterwards; it does not for frames refused at decoding).
    @discardableResult
    func sendHostile(round: UInt64, skip: UInt64 = 0, consumesSeq: Bool,
                     _ build: (RogueSite, Envelope) throws -> [UInt8]) rethrows -> [UInt8] {
        let frame = try build(self, envelope(round: round, skip: skip))
        if consumesSeq { nextSeq += 1 }
        sendRaw(frame)
        return frame
    }

    /// An update frame (signed, correct `seq`) with the given tensors and options.
    nonisolated func updateFrame(_ envelope: Envelope, base: String, tensors: [Tensor], samples: Int = 5,
                     metrics: [String: Double] = [:], options: PayloadOptions? = nil) throws -> [UInt8] {
        try codec.encode(.update(Update(baseVersionID: base, samples: samples, metrics: metrics)), envelope: envelope, tensors: tensors,
                         options: options ?? PayloadOptions(encoding: .q8, delta: base), signer: key)
    }

    var rejectCount: Int { rejects.count }

    /// The first reject after the first `count` ones.
    func nextReject(after count: Int, timeout: Double) async throws -> Reject {
        let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
        while true {
            let all = rejects
            if all.count > count { return all[count] }
            guard ContinuousClock.now < deadline else {
                throw IntegrationError("\(name): no reject #\(count + 1) within \(timeout) s; received \(received.map { "\($0.message.type)@r\($0.envelope.round)" }); problems \(problems)")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
