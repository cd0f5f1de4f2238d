/// Bounds checked on a frame's declared lengths before anything is buffered for it.
public struct FrameLimits: Sendable, Equatable {
    /// Largest JSON header, in bytes.
    public var maxHeaderLength: Int
    /// Largest body as sent (compressed or not), in bytes.
    public var maxBodyLength: Int
    /// Bounds for the tensor payload inside the body.
    public var payload: PayloadLimits

    public init(maxHeaderLength: Int = 1 << 20, maxBodyLength: Int = 256 << 20, payload: PayloadLimits = .default) {
        self.maxHeaderLength = maxHeaderLength
        self.maxBodyLength = maxBodyLength
        self.payload = payload
    }

    /// 1 MiB header, 256 MiB body, and `PayloadLimits.default`.
    public static let `default` = FrameLimits()

    /// Largest whole frame these limits admit.
    public var maxFrameLength: Int { Frame.prefixLength + maxHeaderLength + maxBodyLength + Frame.signatureLength }
}
