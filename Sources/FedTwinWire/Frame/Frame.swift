/// One frame as it travels: a 16-byte prefix, a JSON header, a body and an Ed25519
/// signature over a domain-separated SHA-256 of everything before it (PROTOCOL.md §2).
///
/// A parsed `Frame` has passed every structural and limit check but its signature has not
/// been verified yet: the verifier first reads the signer named in the header to find the
/// key, then calls `verifySignature(with:)`.
public struct Frame: Sendable {
    /// "FTWF".
    public static let magic: [UInt8] = [0x46, 0x54, 0x57, 0x46]
    /// The frame layout version this build reads and writes.
    public static let version: UInt8 = 1
    /// magic(4) version(1) type(1) flags(2) headerLength(4) bodyLength(4).
    public static let prefixLength = 16
    /// Ed25519 signature length.
    public static let signatureLength = 64
    /// Prepended to the signed bytes so a FedTwin frame signature cannot be reused as a
    /// signature over anything else made with the same key (and vice versa).
    public static let signatureDomain: [UInt8] = Array("FedTwin frame v1".utf8) + [0]

    public let type: MessageType
    public let flags: FrameFlags
    /// The whole frame, signature included.
    public let bytes: [UInt8]
    let headerLength: Int
    let bodyLength: Int

    /// The JSON header bytes.
    public var header: ArraySlice<UInt8> { bytes[Self.prefixLength..<(Self.prefixLength + headerLength)] }
    /// The body as sent (compressed when `flags` says so).
    public var body: ArraySlice<UInt8> { bytes[bodyStart..<(bodyStart + bodyLength)] }
    /// The 64 signature bytes.
    public var signature: ArraySlice<UInt8> { bytes[signedLength...] }

    var bodyStart: Int { Self.prefixLength + headerLength }
    var signedLength: Int { bodyStart + bodyLength }

    /// SHA-256 of the whole frame: the id under which a received update is stored and logged.
    public var contentID: String { SHA256.hex(bytes) }
}

extension Frame {
    /// The fixed-size prefix, enough to know how many more bytes the frame needs.
    public struct Prefix: Sendable, Equatable {
        public var type: MessageType
        public var flags: FrameFlags
        public var headerLength: Int
        public var bodyLength: Int
        /// Total frame length including prefix and signature.
        public var frameLength: Int { Frame.prefixLength + headerLength + bodyLength + Frame.signatureLength }
    }

    /// Reads and checks the prefix. A stream reader calls this as soon as 16 bytes have
    /// arrived and refuses an oversized frame before buffering its body.
    public static func parsePrefix(_ bytes: UnsafeRawBufferPointer, limits: FrameLimits = .default) throws -> Prefix {
        guard bytes.count >= prefixLength else {
            throw FrameError(.truncated(needed: prefixLength, available: bytes.count))
        }
        let magicBytes = Array(bytes[0..<4])
        guard magicBytes == magic else { throw FrameError(.badMagic(magicBytes)) }
        guard bytes[4] == version else { throw FrameError(.unsupportedVersion(bytes[4])) }
        guard let type = MessageType(rawValue: bytes[5]) else { throw FrameError(.unknownMessageType(bytes[5])) }
        let rawFlags = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 6, as: UInt16.self))
        let flags = FrameFlags(rawValue: rawFlags)
        guard FrameFlags.known.isSuperset(of: flags) else {
            throw FrameError(.unknownFlags(rawFlags & ~FrameFlags.known.rawValue))
        }
        let headerLength = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
        let bodyLength = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt32.self)))
        guard headerLength <= limits.maxHeaderLength else {
            throw FrameError(.limitExceeded(field: "header length", value: headerLength, limit: limits.maxHeaderLength))
        }
        guard bodyLength <= limits.maxBodyLength else {
            throw FrameError(.limitExceeded(field: "body length", value: bodyLength, limit: limits.maxBodyLength))
        }
        return Prefix(type: type, flags: flags, headerLength: headerLength, bodyLength: bodyLength)
    }

    /// Parses a complete frame (exactly one, nothing after it). Does not verify the signature.
    public init(parsing bytes: [UInt8], limits: FrameLimits = .default) throws {
        let prefix = try bytes.withUnsafeBytes { try Frame.parsePrefix($0, limits: limits) }
        guard bytes.count >= prefix.frameLength else {
            throw FrameError(.truncated(needed: prefix.frameLength, available: bytes.count))
        }
        guard bytes.count == prefix.frameLength else {
            throw FrameError(.trailingBytes(count: bytes.count - prefix.frameLength))
        }
        self.type = prefix.type
        self.flags = prefix.flags
        self.bytes = bytes
        self.headerLength = prefix.headerLength
        self.bodyLength = prefix.bodyLength
    }

    /// The 32-byte digest the signature is made over:
    /// SHA-256("FedTwin frame v1\0" ‖ prefix ‖ header ‖ body).
    public var signedDigest: [UInt8] {
        bytes.withUnsafeBytes { Frame.signedDigest(UnsafeRawBufferPointer(rebasing: $0[0..<signedLength])) }
    }

    static func signedDigest(_ signed: UnsafeRawBufferPointer) -> [UInt8] {
        var hasher = SHA256.Hasher()
        signatureDomain.withUnsafeBytes { hasher.update($0) }
        hasher.update(signed)
        return hasher.finalize()
    }

    /// Throws `badSignature` unless the signature verifies with `key`.
    public func verifySignature(with key: PublicKey) throws {
        guard key.isValidSignature(Array(signature), for: signedDigest) else {
            throw FrameError(.badSignature(signer: key.fingerprint.hex))
        }
    }

    /// Lays out and signs a frame.
    public static func encode(
        type: MessageType, flags: FrameFlags, header: [UInt8], body: UnsafeRawBufferPointer,
        signer: SigningKey, limits: FrameLimits = .default
    ) throws -> [UInt8] {
        guard header.count <= limits.maxHeaderLength else {
            throw FrameError(.limitExceeded(field: "header length", value: header.count, limit: limits.maxHeaderLength))
        }
        guard body.count <= limits.maxBodyLength else {
            throw FrameError(.limitExceeded(field: "body length", value: body.count, limit: limits.maxBodyLength))
        }
        let signedLength = prefixLength + header.count + body.count
        var out = [UInt8]()
        out.reserveCapacity(signedLength + signatureLength)
        out += magic
        out.append(version)
        out.append(type.rawValue)
        withUnsafeBytes(of: flags.rawValue.littleEndian) { out += $0 }
        withUnsafeBytes(of: UInt32(header.count).littleEndian) { out += $0 }
        withUnsafeBytes(of: UInt32(body.count).littleEndian) { out += $0 }
        out += header
        out.append(contentsOf: body)
        let digest = out.withUnsafeBytes { signedDigest($0) }
        out += try signer.signature(for: digest)
        return out
    }
}
