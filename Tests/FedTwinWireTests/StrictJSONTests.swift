import Foundation
import Testing
@testable import FedTwinWire

/// Duplicate keys (issue 10, rule 1): refused in every JSON object a peer signs, at any
/// depth, comparing keys after unescaping; and the bounds on a header's free-form fields.
@Suite("Strict JSON and header bounds")
struct StrictJSONTests {
    private func header(_ edit: (String) -> String) throws -> [UInt8] {
        let text = String(decoding: try Frame(parsing: try sampleUpdateFrame()).header, as: UTF8.self)
        let edited = edit(text)
        #expect(edited != text, "the edit must change the header")
        return Array(edited.utf8)
    }

    private func refusal(_ header: [UInt8]) throws -> FrameError? {
        let body = Array(try Frame(parsing: try sampleUpdateFrame()).body)
        let frame = try craftFrame(type: .update, header: header, body: body)
        return #expect(throws: FrameError.self) { try receive(frame) }
    }

    @Test("a key repeated in the message object is refused as duplicate-key, naming its path")
    func nestedDuplicate() throws {
        let error = try refusal(try header { $0.replacingOccurrences(of: "\"samples\":10", with: "\"samples\":10,\"samples\":1000000000000") })
        #expect(error?.problem == .duplicateKey("message.samples"))
        #expect(error?.reasonCode == .duplicateKey)
    }

    @Test("a repeated envelope key, and one spelled with an escape, are refused too")
    func topLevelAndEscapedDuplicates() throws {
        let top = try refusal(try header { $0.replacingOccurrences(of: "\"seq\":4", with: "\"seq\":4,\"seq\":5") })
        #expect(top?.problem == .duplicateKey("seq"))
        let escaped = try refusal(try header { $0.replacingOccurrences(of: "\"samples\":10", with: "\"samples\":10,\"\\u0073amples\":11") })
        #expect(escaped?.problem == .duplicateKey("message.samples"))
    }

    @Test("the same key in different objects, and keys that only look alike, are fine")
    func distinctKeysPass() throws {
        try StrictJSON.checkKeys(Array(#"{"a":{"a":1},"b":[{"a":1},{"a":2}],"A":"\"a\"","a\u0000":0}"#.utf8))
        try StrictJSON.checkKeys(Array("  [1, -2.5e-3, true, null, \"x\"]  ".utf8))
        #expect(throws: DuplicateKeyError(path: "b[1].x", key: "x")) { try StrictJSON.checkKeys(Array(#"{"b":[{"x":1},{"x":1,"x":2}]}"#.utf8)) }
    }

    @Test("nesting deeper than the scanner's bound is refused, not recursed into")
    func deepNesting() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: DuplicateKeyError.self) { try StrictJSON.checkKeys(Array(deep.utf8)) }
    }

    @Test("more than 64 metrics, or a metric name outside the safe set, is refused on receipt and on encoding")
    func metricBounds() throws {
        let many = Dictionary(uniqueKeysWithValues: (0...MessageBounds.maxMetrics).map { ("m\($0)", 1.0) })
        let tooMany = try refusal(try editJSON(Array(try Frame(parsing: try sampleUpdateFrame()).header)) { h in
            var message = h["message"] as! [String: Any]
            message["metrics"] = many
            h["message"] = message
        })
        #expect(tooMany?.problem == .limitExceeded(field: "update.metrics entries", value: 65, limit: 64))
        let longName = try refusal(try header { $0.replacingOccurrences(of: "\"loss\"", with: "\"\(String(repeating: "l", count: 65))\"") })
        #expect(longName?.problem == .limitExceeded(field: "update.metrics name length", value: 65, limit: 64))
        let control = try refusal(try header { $0.replacingOccurrences(of: "\"loss\"", with: "\"lo\\u200Dss\"") })
        #expect(control?.reasonCode == .malformedFrame)
        let key = Keys.a
        #expect(throws: FrameError.self) {
            try MessageCodec().encode(.evaluation(Evaluation(versionID: sampleBaseID, samples: 1, metrics: many)),
                                      envelope: Envelope(sender: key.publicKey.fingerprint), signer: key)
        }
    }

    @Test("a task a site could not train with, or a welcome with a zero heartbeat, is refused on encoding and on receipt")
    func settingBounds() throws {
        let key = Keys.a
        let envelope = Envelope(sender: key.publicKey.fingerprint)
        func task(_ edit: (inout TrainingTask) -> Void) -> Message {
            var t = TrainingTask(baseVersion: 1, baseVersionID: sampleBaseID, parametersID: sampleBaseID, component: "c",
                                 training: TrainingSettings(epochs: 1, learningRate: 0.1, batchSize: 8, proximalMu: 0, seed: 1), deadlineSeconds: 30)
            edit(&t)
            return .task(t)
        }
        let payload = try TensorPayload.encode([], options: PayloadOptions(encoding: .f32, compressionLevel: nil))
        #expect(throws: FrameError(.limitExceeded(field: "task.training.batchSize", value: 0, limit: 1))) {
            try MessageCodec().encode(task { $0.training.batchSize = 0 }, envelope: envelope, payload: payload, signer: key)
        }
        #expect(throws: FrameError(.limitExceeded(field: "task.training.epochs", value: 1_000_000, limit: MessageBounds.maxEpochs))) {
            try MessageCodec().encode(task { $0.training.epochs = 1_000_000 }, envelope: envelope, payload: payload, signer: key)
        }
        // On receipt: a header written past the encoder's checks.
        let header = try craftHeader(task { $0.training.learningRate = -1 }, manifest: payload.manifest)
        let error = #expect(throws: FrameError.self) { try receive(try craftFrame(type: .task, header: header)) }
        #expect(error?.reasonCode == .malformedFrame)
        let welcome = Message.welcome(Welcome(component: "c", currentVersion: 0, currentVersionID: nil, heartbeatSeconds: 0, software: "s",
                                              coordinatorKey: Hex.encode(key.publicKey.rawRepresentation)))
        #expect(throws: FrameError.self) { try MessageCodec().encode(welcome, envelope: envelope, signer: key) }
    }

    @Test("free-form strings are bounded; a long reject reason is cut rather than refused")
    func textBounds() throws {
        let key = Keys.a
        let envelope = Envelope(sender: key.publicKey.fingerprint)
        #expect(throws: FrameError(.limitExceeded(field: "hello.software", value: 257, limit: 256))) {
            try MessageCodec().encode(.hello(Hello(site: "a", software: String(repeating: "x", count: 257))), envelope: envelope, signer: key)
        }
        let reject = Reject(code: .internalError, reason: String(repeating: "é", count: 5000))
        #expect(reject.reason.utf8.count <= MessageBounds.maxReasonBytes)
        let frame = try MessageCodec().encode(.reject(reject), envelope: envelope, signer: key)
        #expect(try receive(frame).message == .reject(reject))
    }
}
