import FedTwinAggregation
@testable import FedTwinCoordinator
import FedTwinWire
import Foundation
import Testing

/// The frame limits an operator sets in the configuration are the ones the coordinator's
/// codec and transport enforce.
@Suite struct FrameLimitConfigurationTests {
    @Test func defaultsMatchTheWireDefaults() {
        #expect(CoordinatorConfiguration().frameLimits == FrameLimits.default)
    }

    @Test func theFileSetsHeaderBodyAndTensorLimits() throws {
        let limits = try ConfigurationFile.load(#"{"maxHeaderKiB": 4, "maxBodyMiB": 2, "maxTensors": 2}"#).frameLimits
        #expect(limits.maxHeaderLength == 4096)
        #expect(limits.maxBodyLength == 2 << 20)
        #expect(limits.payload.maxTensors == 2)
    }

    @Test func aFrameWithMoreTensorsThanConfiguredIsRefusedNamingTheLimit() throws {
        let config = try ConfigurationFile.load(#"{"maxTensors": 2}"#)
        let key = try SigningKey.generate()
        let tensors = (0..<3).map { Tensor(name: "t\($0)", shape: [2], floats: [1, 2]) }
        let frame = try MessageCodec().encode(.update(Update(baseVersionID: String(repeating: "0", count: 64), samples: 1, metrics: [:])),
                                              envelope: Envelope(sender: key.publicKey.fingerprint, session: "s", challenge: "c", round: 1, seq: 1),
                                              tensors: tensors, options: PayloadOptions(encoding: .f32, compressionLevel: nil), signer: key)
        let error = #expect(throws: (any Error).self) { try MessageCodec(limits: config.frameLimits).parse(frame).open(with: key.publicKey) }
        #expect(error.map { "\($0)".contains("tensors") } == true, "\(String(describing: error))")
        // The same frame passes under the default limits: the configured limit refused it.
        _ = try MessageCodec().parse(frame).open(with: key.publicKey)
    }

    @Test func theCoordinatorCapsRawPayloadSizeToWhatTheSchemaNeeds() {
        let small = ParameterSchema(tensors: [TensorSpec(name: "w", dtype: .f32, shape: [10_000])])
        #expect(FrameLimits.default.capped(to: small).payload.maxRawLength == 160_000 + (1 << 20))
        // The body as sent is capped to that plus deflate's worst case; the rest is left as configured.
        let need = 160_000 + (1 << 20)
        var expected = FrameLimits.default
        expected.payload.maxRawLength = need
        expected.maxBodyLength = need + need / 1024 + (64 << 10)
        #expect(FrameLimits.default.capped(to: small) == expected)
        #expect(expected.maxBodyLength < 2 << 20, "far below the 256 MiB wire default")
        // A lower configured limit stays; a schema too large for the cap leaves the limit alone.
        var tight = FrameLimits.default
        tight.payload.maxRawLength = 1000
        #expect(tight.capped(to: small).payload.maxRawLength == 1000)
        let huge = ParameterSchema(tensors: [TensorSpec(name: "w", dtype: .f32, shape: [1 << 40])])
        #expect(FrameLimits.default.capped(to: huge) == FrameLimits.default)
    }

    @Test(arguments: [
        (#"{"maxHeaderKiB": 0}"#, "maxHeaderKiB"),
        (#"{"maxHeaderKiB": 70000}"#, "maxHeaderKiB"),
        (#"{"maxTensors": 0}"#, "maxTensors"),
        (#"{"maxTensors": "many"}"#, "maxTensors"),
    ])
    func badValuesNameTheKey(text: String, key: String) throws {
        try ConfigurationFile.expectRefused(text, key: key)
    }
}
