/// Frame flag bits. A receiver refuses any bit it does not know, so a future flag can
/// never be silently ignored.
public struct FrameFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// The body is a zlib stream; the header's manifest declares its inflated length.
    public static let bodyCompressed = FrameFlags(rawValue: 1 << 0)

    /// Every bit this version defines.
    public static let known: FrameFlags = [.bodyCompressed]
}
