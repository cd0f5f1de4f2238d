import Foundation
import Testing
@testable import FedTwinWire

/// `Envelope.recipients`: one signed frame addressed to several sessions (PROTOCOL.md §6).
@Suite("Envelope addressing")
struct EnvelopeAddressingTests {
    let sender = Fingerprint(publicKey: [UInt8](repeating: 7, count: 32))

    @Test("a single-session frame is addressed to its session and challenge only")
    func singleSession() {
        let envelope = Envelope(sender: sender, session: "s1", challenge: "c1", round: 3, seq: 4)
        #expect(envelope.seq(inSession: "s1", challenge: "c1") == 4)
        #expect(envelope.seq(inSession: "s1", challenge: "c2") == nil)
        #expect(envelope.seq(inSession: "s2", challenge: "c1") == nil)
    }

    @Test("a multi-addressed frame gives each listed session its own seq, and nothing to others")
    func multiAddressed() {
        let envelope = Envelope(sender: sender, round: 3, recipients: [.init(session: "a", seq: 1), .init(session: "b", seq: 9)])
        #expect(envelope.seq(inSession: "a", challenge: "any") == 1)
        #expect(envelope.seq(inSession: "b", challenge: "") == 9)
        #expect(envelope.seq(inSession: "c", challenge: "") == nil)
        #expect(envelope.seq(inSession: "", challenge: "") == nil)
    }

    @Test("recipients together with a session, challenge or seq in the envelope are ambiguous: no session matches")
    func ambiguous() {
        let recipients: [Envelope.Recipient] = [.init(session: "a", seq: 1)]
        #expect(Envelope(sender: sender, session: "a", recipients: recipients).seq(inSession: "a", challenge: "") == nil)
        #expect(Envelope(sender: sender, challenge: "c", recipients: recipients).seq(inSession: "a", challenge: "c") == nil)
        #expect(Envelope(sender: sender, seq: 1, recipients: recipients).seq(inSession: "a", challenge: "") == nil)
    }

    @Test("recipients travel in the signed header; a frame without them has no recipients key at all")
    func headerRoundTrip() throws {
        let key = try SigningKey.generate()
        let codec = MessageCodec()
        let envelope = Envelope(sender: key.publicKey.fingerprint, round: 2, recipients: [.init(session: "s1", seq: 5), .init(session: "s2", seq: 1)])
        let frame = try codec.encode(.heartbeat(Heartbeat(state: "idle")), envelope: envelope, signer: key)
        let received = try codec.parse(frame).open(with: key.publicKey)
        #expect(received.envelope == envelope)

        let plain = try codec.encode(.heartbeat(Heartbeat(state: "idle")), envelope: Envelope(sender: key.publicKey.fingerprint, session: "s1", challenge: "c", seq: 1), signer: key)
        let header = String(decoding: try Frame(parsing: plain, limits: .default).header, as: UTF8.self)
        #expect(!header.contains("recipients"))
        #expect(try codec.parse(plain).open(with: key.publicKey).envelope.recipients == nil)
    }

    @Test("editing a recipient's seq breaks the frame's signature")
    func recipientsAreSigned() throws {
        let key = try SigningKey.generate()
        let codec = MessageCodec()
        let envelope = Envelope(sender: key.publicKey.fingerprint, round: 2, recipients: [.init(session: "s1", seq: 5)])
        var frame = try codec.encode(.heartbeat(Heartbeat(state: "idle")), envelope: envelope, signer: key)
        let needle = Array("\"seq\":5".utf8)
        let start = try #require((0...(frame.count - needle.count)).first { Array(frame[$0..<($0 + needle.count)]) == needle })
        frame[start + needle.count - 1] = UInt8(ascii: "6")
        #expect(throws: FrameError.self) { try codec.parse(frame).open(with: key.publicKey) }
    }
}
