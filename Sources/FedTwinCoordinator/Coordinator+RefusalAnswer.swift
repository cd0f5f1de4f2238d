import FedTwinWire

extension Coordinator {
    /// The `reject` the transport sends before closing a connection whose frame it refused
    /// from the prefix (PROTOCOL.md §2, steps 1–3): signed by the coordinator, addressed to
    /// no session (like the reject of a refused `hello`), without `refSeq` since nothing of
    /// the frame was read. The refusal itself is audited by the coordinator as usual.
    public nonisolated static func refusalAnswer(signer: SigningKey) -> @Sendable (FrameError) -> [UInt8]? {
        let codec = MessageCodec()
        return { error in
            try? codec.encode(.reject(Reject(code: error.reasonCode, reason: "\(error)")),
                              envelope: Envelope(sender: signer.publicKey.fingerprint), signer: signer)
        }
    }
}
