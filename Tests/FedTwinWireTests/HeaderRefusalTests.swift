import Foundation
import Testing
@testable import FedTwinWire

/// Malformed JSON headers, and payloads on the wrong kinds of message.
@Suite("Header refusals")
struct HeaderRefusalTests {
    private func malformedDetail(_ body: () throws -> Void) -> String? {
        let error = #expect(throws: FrameError.self) { try body() }
        guard case .malformedHeader(let detail)? = error?.problem else {
            Issue.record("expected malformedHeader, got \(String(describing: error))")
            return nil
        }
        return detail
    }

    private func updateHeader() throws -> [UInt8] {
        try Array(Frame(parsing: try sampleUpdateFrame()).header)
    }

    private func resign(_ header: [UInt8], type: MessageType = .update) throws -> [UInt8] {
        let body = try Frame(parsing: try sampleUpdateFrame()).body
        return try craftFrame(type: type, header: header, body: Array(body))
    }

    @Test(arguments: ["not json", "", "[]", "{", "{\"sender\": }", "null"])
    func notJSON(text: String) throws {
        let frame = try craftFrame(type: .bye, header: Array(text.utf8))
        let detail = malformedDetail { _ = try MessageCodec().parse(frame) }
        #expect(detail != nil)
    }

    @Test func invalidUTF8() throws {
        var header = try updateHeader()
        header[1] = 0xFF
        #expect(malformedDetail { _ = try MessageCodec().parse(try resign(header)) } != nil)
    }

    @Test(arguments: ["seq", "round", "session", "challenge", "sender"])
    func missingEnvelopeField(field: String) throws {
        let header = try editJSON(try updateHeader()) { $0[field] = nil }
        let detail = malformedDetail { _ = try MessageCodec().parse(try resign(header)) }
        #expect(detail == "missing field '\(field)'")
    }

    @Test func wrongTypes() throws {
        let round = try editJSON(try updateHeader()) { $0["round"] = "two" }
        #expect(malformedDetail { _ = try MessageCodec().parse(try resign(round)) }?.hasPrefix("wrong type at 'round'") == true)
        let seq = try editJSON(try updateHeader()) { $0["seq"] = -1 }
        // Out of UInt64 range: refused (Foundation reports it without the field's path).
        #expect(malformedDetail { _ = try MessageCodec().parse(try resign(seq)) } != nil)
        let seqText = try editJSON(try updateHeader()) { $0["seq"] = "4" }
        #expect(malformedDetail { _ = try MessageCodec().parse(try resign(seqText)) }?.hasPrefix("wrong type at 'seq'") == true)
        let sender = try editJSON(try updateHeader()) { $0["sender"] = "abc" }
        #expect(malformedDetail { _ = try MessageCodec().parse(try resign(sender)) }?.contains("sender") == true)
    }

    /// Fields inside "message" and "payload" are read only after the signature verifies.
    @Test func missingOrWrongMessageField() throws {
        let samples = try editJSON(try updateHeader()) {
            var message = $0["message"] as! [String: Any]
            message["samples"] = nil
            $0["message"] = message
        }
        let sealed = try MessageCodec().parse(try resign(samples))
        #expect(malformedDetail { _ = try sealed.open(with: Keys.a.publicKey) } == "missing field 'message.samples'")

        let metrics = try editJSON(try updateHeader()) {
            var message = $0["message"] as! [String: Any]
            message["metrics"] = ["loss": "low"]
            $0["message"] = message
        }
        #expect(malformedDetail { try receive(try resign(metrics)) }?.hasPrefix("wrong type at 'message.metrics.loss'") == true)

        let rawLength = try editJSON(try updateHeader()) {
            var payload = $0["payload"] as! [String: Any]
            payload["rawLength"] = "24"
            $0["payload"] = payload
        }
        #expect(malformedDetail { try receive(try resign(rawLength)) }?.hasPrefix("wrong type at 'payload.rawLength'") == true)
    }

    /// A header for one kind in a frame of another type.
    @Test func headerOfAnotherKind() throws {
        let frame = try craftFrame(type: .ack, header: try craftHeader(.bye(Bye(reason: "x")), manifest: nil))
        #expect(malformedDetail { try receive(frame) } == "missing field 'message.ackSeq'")
    }

    // MARK: Payload presence

    @Test(arguments: MessageType.allCases.filter { !$0.carriesPayload })
    func payloadOnAKindThatCarriesNone(type: MessageType) throws {
        var rng = SeededRandom(seed: 5)
        let payload = try TensorPayload.encode([Tensor(name: "w", shape: [1], floats: [1])], options: PayloadOptions(compressionLevel: nil))
        let message = rng.message(type)
        // The codec will not build it...
        #expect(throws: FrameError(.unexpectedBody("\(type) frames carry no tensor payload"))) {
            try MessageCodec().encode(message, envelope: Envelope(sender: Keys.a.publicKey.fingerprint), payload: payload, signer: Keys.a)
        }
        // ...and a receiver refuses one built by hand: with a manifest,
        let withManifest = try craftFrame(type: type, header: try craftHeader(message, manifest: payload.manifest), body: payload.body)
        #expect(throws: FrameError(.unexpectedBody("\(type) frame must not carry a payload manifest"))) { try receive(withManifest) }
        // with a bare body,
        let bareBody = try craftFrame(type: type, header: try craftHeader(message, manifest: nil), body: payload.body)
        #expect(throws: FrameError(.unexpectedBody("\(type) frame has a 4-byte body but carries no payload"))) { try receive(bareBody) }
        // or with the compressed flag and no body.
        let flagOnly = try craftFrame(type: type, flags: .bodyCompressed, header: try craftHeader(message, manifest: nil))
        #expect(throws: FrameError(.unexpectedBody("\(type) frame sets the compressed flag without a body"))) { try receive(flagOnly) }
    }

    @Test(arguments: MessageType.allCases.filter(\.carriesPayload))
    func missingPayloadOnAKindThatNeedsOne(type: MessageType) throws {
        var rng = SeededRandom(seed: 6)
        let message = rng.message(type)
        #expect(throws: FrameError(.unexpectedBody("\(type) frames must carry a tensor payload"))) {
            try MessageCodec().encode(message, envelope: Envelope(sender: Keys.a.publicKey.fingerprint), signer: Keys.a)
        }
        for body in [[], [1, 2, 3, 4]] as [[UInt8]] {
            let frame = try craftFrame(type: type, header: try craftHeader(message, manifest: nil), body: body)
            #expect(throws: FrameError(.unexpectedBody("\(type) frame has no payload manifest"))) { try receive(frame) }
        }
    }
}
