import Testing
@testable import FedTwinWire

/// Flip one bit anywhere in a frame: it is always refused. In the prefix the refusal is
/// the structural one the flipped field predicts; in the header, body or signature the
/// layout still holds, so the signature check is what refuses it.
@Suite("Bit flips")
struct BitFlipTests {
    enum Region: String, CaseIterable, Sendable { case prefix, header, body, signature }

    @Test(arguments: Region.allCases, [false, true])
    func everyFlipIsRefused(region: Region, compressed: Bool) throws {
        let bytes = try sampleUpdateFrame(compressed: compressed)
        let frame = try Frame(parsing: bytes)
        let headerEnd = 16 + frame.header.count, bodyEnd = headerEnd + frame.body.count
        let range: Range<Int>, stride: Int
        switch region {
        case .prefix: (range, stride) = (0..<16, 1)
        case .header: (range, stride) = (16..<headerEnd, 5) // every 5th bit: ~700 flips
        case .body: (range, stride) = (headerEnd..<bodyEnd, 1)
        case .signature: (range, stride) = (bodyEnd..<bytes.count, 1)
        }
        var flips = 0
        for bit in Swift.stride(from: range.lowerBound * 8, to: range.upperBound * 8, by: stride) {
            var damaged = bytes
            damaged[bit / 8] ^= 1 << (bit % 8)
            flips += 1
            let note: Comment = "\(region) byte \(bit / 8) bit \(bit % 8)"
            if region == .prefix {
                checkPrefixFlip(damaged, original: bytes, note)
            } else {
                // Layout intact: the frame parses, and the signature refuses it.
                #expect(throws: FrameError(.badSignature(signer: Keys.a.publicKey.fingerprint.hex)), note) {
                    try Frame(parsing: damaged).verifySignature(with: Keys.a.publicKey)
                }
                checkReceiverRefuses(damaged, region: region, note)
            }
        }
        #expect(flips >= 16 * 8)
    }

    /// Through the codec, a header flip may be caught earlier: the JSON no longer parses,
    /// or it names another signer. Anything else must be a bad signature.
    private func checkReceiverRefuses(_ damaged: [UInt8], region: Region, _ note: Comment) {
        let error = #expect(throws: FrameError.self, note) { try receive(damaged) }
        guard let problem = error?.problem else { return }
        switch (region, problem) {
        case (_, .badSignature(let signer)):
            #expect(signer == Keys.a.publicKey.fingerprint.hex, note)
        case (.header, .malformedHeader), (.header, .signerMismatch):
            break
        default:
            Issue.record("\(note): unexpected \(problem)")
        }
    }

    /// The exact error a flip in each prefix field must cause.
    private func checkPrefixFlip(_ damaged: [UInt8], original: [UInt8], _ note: Comment) {
        let expected: FrameError.Problem
        let header = Int(damaged[8]) | Int(damaged[9]) << 8 | Int(damaged[10]) << 16 | Int(damaged[11]) << 24
        let body = Int(damaged[12]) | Int(damaged[13]) << 8 | Int(damaged[14]) << 16 | Int(damaged[15]) << 24
        let flags = UInt16(damaged[6]) | UInt16(damaged[7]) << 8
        switch (0..<16).first(where: { damaged[$0] != original[$0] })! {
        case 0..<4:
            expected = .badMagic(Array(damaged[0..<4]))
        case 4:
            expected = .unsupportedVersion(damaged[4])
        case 5:
            // Another known type is still in the signed bytes.
            expected = MessageType(rawValue: damaged[5]) == nil ? .unknownMessageType(damaged[5]) : .badSignature(signer: Keys.a.publicKey.fingerprint.hex)
        case 6, 7:
            expected = flags & ~1 != 0 ? .unknownFlags(flags & ~1) : .badSignature(signer: Keys.a.publicKey.fingerprint.hex)
        default:
            let total = 16 + header + body + 64
            if header > FrameLimits.default.maxHeaderLength {
                expected = .limitExceeded(field: "header length", value: header, limit: FrameLimits.default.maxHeaderLength)
            } else if body > FrameLimits.default.maxBodyLength {
                expected = .limitExceeded(field: "body length", value: body, limit: FrameLimits.default.maxBodyLength)
            } else if total > damaged.count {
                expected = .truncated(needed: total, available: damaged.count)
            } else {
                expected = .trailingBytes(count: damaged.count - total)
            }
        }
        #expect(throws: FrameError(expected), note) {
            try Frame(parsing: damaged).verifySignature(with: Keys.a.publicKey)
        }
        #expect(throws: FrameError.self, note) { try receive(damaged) }
    }
}
