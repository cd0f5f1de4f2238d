import Testing
@testable import FedTwinWire

/// One test per structural refusal, each asserting the exact `FrameError`.
@Suite("Frame refusals")
struct FrameRefusalTests {
    private func parse(_ bytes: [UInt8], limits: FrameLimits = .default) throws {
        _ = try Frame(parsing: bytes, limits: limits)
    }

    private func prefix(_ bytes: [UInt8], limits: FrameLimits = .default) throws -> Frame.Prefix {
        try bytes.withUnsafeBytes { try Frame.parsePrefix($0, limits: limits) }
    }

    /// A 16-byte prefix and nothing else: what a stream reader has when it must decide.
    private func bareprefix(type: UInt8 = 4, flags: UInt16 = 0, header: UInt32, body: UInt32) -> [UInt8] {
        var out = Frame.magic + [Frame.version, type]
        withUnsafeBytes(of: flags.littleEndian) { out += $0 }
        withUnsafeBytes(of: header.littleEndian) { out += $0 }
        withUnsafeBytes(of: body.littleEndian) { out += $0 }
        return out
    }

    @Test func validFrameParses() throws {
        let bytes = try sampleUpdateFrame()
        let frame = try Frame(parsing: bytes)
        #expect(frame.type == .update)
        #expect(frame.flags == [])
        #expect(frame.bytes == bytes)
        #expect(frame.signature.count == 64)
        #expect(Frame.prefixLength + frame.header.count + frame.body.count + 64 == bytes.count)
        #expect(frame.body.count == 24)
        #expect(frame.contentID == SHA256.hex(bytes))
        #expect(frame.signedDigest == SHA256.hash(Frame.signatureDomain + bytes.dropLast(64)))
        try frame.verifySignature(with: Keys.a.publicKey)
        let p = try prefix(Array(bytes.prefix(16)))
        #expect(p == Frame.Prefix(type: .update, flags: [], headerLength: frame.header.count, bodyLength: 24))
        #expect(p.frameLength == bytes.count)
    }

    @Test func truncatedFrame() throws {
        let bytes = try sampleUpdateFrame()
        for cut in [1, 10, 63, 64, 65, bytes.count - 17, bytes.count - 16] {
            #expect(throws: FrameError(.truncated(needed: bytes.count, available: bytes.count - cut)), "cut \(cut)") {
                try parse(Array(bytes.dropLast(cut)))
            }
        }
        for kept in [0, 1, 15] {
            #expect(throws: FrameError(.truncated(needed: 16, available: kept))) { try parse(Array(bytes.prefix(kept))) }
            #expect(throws: FrameError(.truncated(needed: 16, available: kept))) { try prefix(Array(bytes.prefix(kept))) }
        }
    }

    @Test func trailingBytes() throws {
        let bytes = try sampleUpdateFrame()
        #expect(throws: FrameError(.trailingBytes(count: 1))) { try parse(bytes + [0]) }
        #expect(throws: FrameError(.trailingBytes(count: bytes.count))) { try parse(bytes + bytes) }
    }

    @Test(arguments: 0..<4)
    func badMagic(position: Int) throws {
        var bytes = try sampleUpdateFrame()
        bytes[position] = 0x00
        #expect(throws: FrameError(.badMagic(Array(bytes[0..<4])))) { try parse(bytes) }
        #expect(throws: FrameError(.badMagic(Array(bytes[0..<4])))) { try prefix(Array(bytes.prefix(16))) }
    }

    @Test(arguments: [0, 2, 9, 255] as [UInt8])
    func unknownVersion(version: UInt8) throws {
        var bytes = try sampleUpdateFrame()
        bytes[4] = version
        #expect(throws: FrameError(.unsupportedVersion(version))) { try parse(bytes) }
        #expect(throws: FrameError(.unsupportedVersion(version))) { try MessageCodec().parse(bytes) }
    }

    @Test(arguments: [0, 11, 12, 128, 255] as [UInt8])
    func unknownMessageType(type: UInt8) throws {
        var bytes = try sampleUpdateFrame()
        bytes[5] = type
        #expect(throws: FrameError(.unknownMessageType(type))) { try parse(bytes) }
    }

    @Test(arguments: 1..<16)
    func unknownFlags(bit: Int) throws {
        var bytes = try sampleUpdateFrame()
        let flag = UInt16(1) << bit
        withUnsafeBytes(of: flag.littleEndian) { bytes.replaceSubrange(6..<8, with: $0) }
        #expect(throws: FrameError(.unknownFlags(flag))) { try parse(bytes) }
        // With the known bit set as well, only the unknown one is named.
        withUnsafeBytes(of: (flag | 1).littleEndian) { bytes.replaceSubrange(6..<8, with: $0) }
        #expect(throws: FrameError(.unknownFlags(flag))) { try parse(bytes) }
    }

    /// Decided from the 16-byte prefix alone: the rest of the frame never has to arrive.
    @Test(arguments: [(1 << 20) + 1, 0x7fff_ffff, 0xffff_ffff] as [UInt32])
    func headerLengthOverLimit(length: UInt32) throws {
        let bare = bareprefix(header: length, body: 0)
        let expected = FrameError(.limitExceeded(field: "header length", value: Int(length), limit: 1 << 20))
        #expect(throws: expected) { try prefix(bare) }
        #expect(throws: expected) { try parse(bare) }
        let small = FrameLimits(maxHeaderLength: 100)
        #expect(throws: FrameError(.limitExceeded(field: "header length", value: 101, limit: 100))) {
            try prefix(bareprefix(header: 101, body: 0), limits: small)
        }
        // At the limit the prefix is accepted and the reader learns how much to wait for.
        #expect(try prefix(bareprefix(header: 100, body: 0), limits: small).frameLength == 16 + 100 + 64)
    }

    @Test(arguments: [(256 << 20) + 1, 0xffff_ffff] as [UInt32])
    func bodyLengthOverLimit(length: UInt32) throws {
        let bare = bareprefix(header: 10, body: length)
        let expected = FrameError(.limitExceeded(field: "body length", value: Int(length), limit: 256 << 20))
        #expect(throws: expected) { try prefix(bare) }
        #expect(throws: expected) { try parse(bare) }
        let small = FrameLimits(maxBodyLength: 1000)
        #expect(throws: FrameError(.limitExceeded(field: "body length", value: 1001, limit: 1000))) {
            try prefix(bareprefix(header: 0, body: 1001), limits: small)
        }
        #expect(try prefix(bareprefix(header: 0, body: 1000), limits: small).frameLength == 16 + 1000 + 64)
    }

    /// A real frame whose header is bigger than a receiver's limit: refused before its
    /// signature or JSON is looked at.
    @Test func realFrameOverConfiguredLimits() throws {
        let bytes = try sampleUpdateFrame()
        let frame = try Frame(parsing: bytes)
        #expect(throws: FrameError(.limitExceeded(field: "header length", value: frame.header.count, limit: 64))) {
            try MessageCodec(limits: FrameLimits(maxHeaderLength: 64)).parse(bytes)
        }
        #expect(throws: FrameError(.limitExceeded(field: "body length", value: 24, limit: 23))) {
            try MessageCodec(limits: FrameLimits(maxBodyLength: 23)).parse(bytes)
        }
    }

    @Test func encoderChecksLimitsToo() {
        #expect(throws: FrameError(.limitExceeded(field: "header length", value: 11, limit: 10))) {
            try [UInt8]().withUnsafeBytes {
                try Frame.encode(type: .bye, flags: [], header: [UInt8](repeating: 0x20, count: 11), body: $0, signer: Keys.a, limits: FrameLimits(maxHeaderLength: 10))
            }
        }
        #expect(throws: FrameError(.limitExceeded(field: "body length", value: 5, limit: 4))) {
            try [UInt8](repeating: 0, count: 5).withUnsafeBytes {
                try Frame.encode(type: .update, flags: [], header: [], body: $0, signer: Keys.a, limits: FrameLimits(maxBodyLength: 4))
            }
        }
    }

    // MARK: Signatures

    /// Opening with an enrolled key other than the one the header names.
    @Test func signerMismatch() throws {
        let bytes = try sampleUpdateFrame(signer: Keys.a)
        #expect(throws: FrameError(.signerMismatch(header: Keys.a.publicKey.fingerprint.hex, key: Keys.b.publicKey.fingerprint.hex))) {
            try MessageCodec().parse(bytes).open(with: Keys.b.publicKey)
        }
    }

    /// The header claims key A but B signed: the signature check with A's key fails.
    @Test func headerClaimsAnotherSigner() throws {
        let header = try craftHeader(.bye(Bye(reason: "x")), sender: Keys.a, manifest: nil)
        let forged = try craftFrame(type: .bye, header: header, signer: Keys.b)
        let sealed = try MessageCodec().parse(forged)
        #expect(sealed.claimedEnvelope.sender == Keys.a.publicKey.fingerprint)
        #expect(throws: FrameError(.badSignature(signer: Keys.a.publicKey.fingerprint.hex))) { try sealed.open(with: Keys.a.publicKey) }
        #expect(throws: FrameError(.badSignature(signer: Keys.a.publicKey.fingerprint.hex))) {
            try Frame(parsing: forged).verifySignature(with: Keys.a.publicKey)
        }
        // And the codec will not make such a frame in the first place.
        #expect(throws: FrameError(.signerMismatch(header: Keys.a.publicKey.fingerprint.hex, key: Keys.b.publicKey.fingerprint.hex))) {
            try MessageCodec().encode(.bye(Bye(reason: "x")), envelope: Envelope(sender: Keys.a.publicKey.fingerprint), signer: Keys.b)
        }
    }

    @Test func signatureFromAnotherKey() throws {
        let bytes = try sampleUpdateFrame(signer: Keys.a)
        #expect(throws: FrameError(.badSignature(signer: Keys.b.publicKey.fingerprint.hex))) {
            try Frame(parsing: bytes).verifySignature(with: Keys.b.publicKey)
        }
        // Transplanting B's signature of the same bytes onto A's frame.
        let otherSigned = try sampleUpdateFrame(signer: Keys.b)
        var transplanted = bytes
        transplanted.replaceSubrange((bytes.count - 64)..., with: otherSigned.suffix(64))
        #expect(throws: FrameError(.badSignature(signer: Keys.a.publicKey.fingerprint.hex))) { try receive(transplanted) }
    }

    /// The signature covers the domain tag: a signature over the plain SHA-256 of the same
    /// bytes (as some other protocol might make) is not a frame signature.
    @Test func signatureWithoutDomainTagIsRefused() throws {
        var bytes = try sampleUpdateFrame()
        let signed = Array(bytes.dropLast(64))
        bytes.replaceSubrange((bytes.count - 64)..., with: try Keys.a.signature(for: SHA256.hash(signed)))
        #expect(throws: FrameError(.badSignature(signer: Keys.a.publicKey.fingerprint.hex))) { try receive(bytes) }
    }

    /// What a receiver sends back for each refusal (PROTOCOL.md §2).
    @Test func reasonCodes() {
        let cases: [(FrameError.Problem, ReasonCode)] = [
            (.truncated(needed: 10, available: 5), .malformedFrame),
            (.badMagic([0, 0, 0, 0]), .malformedFrame),
            (.unsupportedVersion(2), .unsupportedVersion),
            (.limitExceeded(field: "body length", value: 2, limit: 1), .limitExceeded),
            (.badSignature(signer: "x"), .badSignature),
            (.signerMismatch(header: "a", key: "b"), .badSignature),
            (.malformedHeader("x"), .malformedFrame),
            (.payload(PayloadError(tensor: "w", .nonFinite(index: 0))), .nonFinite),
            (.payload(PayloadError(.limitExceeded(field: "rawLength", value: 2, limit: 1))), .limitExceeded),
            (.payload(PayloadError(tensor: "w", .unknownDType("x"))), .malformedFrame),
            (.unexpectedBody("x"), .malformedFrame),
        ]
        for (problem, code) in cases {
            #expect(FrameError(problem).reasonCode == code, "\(problem)")
        }
    }
}
