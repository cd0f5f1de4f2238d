import FedTwinWire
import Foundation
import Testing
@testable import FedTwinSite

@Suite("Adversary mode (experiments only)")
struct SiteAdversaryTests {
    static let delta = [
        Tensor(name: "layer0.weight", shape: [2, 3], floats: [0.5, -1, 0.25, 0, 2, -0.125]),
        Tensor(name: "layer0.bias", shape: [2], doubles: [1e-3, -4]),
    ]

    @Test("specs parse, print back, and bad ones are refused with the reason")
    func parsing() throws {
        #expect(try SiteAdversary(parsing: "scale:10") == .scale(10))
        #expect(try SiteAdversary(parsing: "SCALE:0.5") == .scale(0.5))
        #expect(try SiteAdversary(parsing: "sign-flip") == .signFlip(1))
        #expect(try SiteAdversary(parsing: "sign-flip:4") == .signFlip(4))
        #expect(try SiteAdversary(parsing: "gaussian:0.1") == .gaussian(sigma: 0.1))
        for a: SiteAdversary in [.scale(10), .scale(2.5), .signFlip(1), .signFlip(4), .gaussian(sigma: 0.01)] {
            #expect(try SiteAdversary(parsing: a.description) == a)
        }
        let bad: [(String, String)] = [
            ("scale", "scale needs a factor"), ("scale:", "factor must be a finite number > 0, got ''"),
            ("scale:-2", "got '-2'"), ("scale:nan", "got 'nan'"), ("gaussian:0", "sigma must be"),
            ("sign-flip:inf", "got 'inf'"), ("flip", "unknown attack 'flip'"),
        ]
        for (spec, reason) in bad {
            let error = #expect(throws: SiteAdversaryError.self) { try SiteAdversary(parsing: spec) }
            #expect(error?.spec == spec)
            #expect(error?.description.contains(reason) == true, "\(spec): \(error?.description ?? "no error")")
        }
    }

    @Test("scale and sign-flip multiply every element, keeping names, shapes and dtypes")
    func scaling() {
        let scaled = SiteAdversary.scale(10).apply(to: Self.delta, round: 3, seed: 1)
        #expect(scaled.map(\.name) == Self.delta.map(\.name))
        #expect(scaled.map(\.shape) == Self.delta.map(\.shape))
        #expect(scaled.map(\.dtype) == [.f32, .f64])
        #expect(scaled[0].values == .f32([5, -10, 2.5, 0, 20, -1.25]))
        #expect(scaled[1].values == .f64([1e-3 * 10, -40]))
        #expect(abs(Tensor.l2Norm(scaled) - 10 * Tensor.l2Norm(Self.delta)) < 1e-9)

        let flipped = SiteAdversary.signFlip(1).apply(to: Self.delta, round: 3, seed: 1)
        #expect(flipped[0].values == .f32([-0.5, 1, -0.25, 0, -2, 0.125]))
        #expect(flipped[1].values == .f64([-1e-3, 4]))
        #expect(Tensor.l2Norm(flipped) == Tensor.l2Norm(Self.delta))
        let boosted = SiteAdversary.signFlip(4).apply(to: Self.delta, round: 3, seed: 1)
        #expect(boosted[1].values == .f64([-4e-3, 16]))
    }

    @Test("gaussian replaces the delta with N(0, σ²) noise, reproducible per round and seed")
    func gaussian() {
        let big = [Tensor(name: "w", shape: [100, 100], floats: [Float](repeating: 7, count: 10_000))]
        let attack = SiteAdversary.gaussian(sigma: 0.5)
        let noise = attack.apply(to: big, round: 4, seed: 99)
        #expect(noise[0].name == "w" && noise[0].shape == [100, 100] && noise[0].dtype == .f32)
        let v = noise[0].values.doubles
        let mean = v.reduce(0, +) / Double(v.count)
        let sd = (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1)).squareRoot()
        // The honest values (all 7) are gone: the mean is 0 ± a few σ/√n, the spread σ.
        #expect(abs(mean) < 0.05)
        #expect(abs(sd - 0.5) < 0.025)
        #expect(attack.apply(to: big, round: 4, seed: 99) == noise)
        #expect(attack.apply(to: big, round: 5, seed: 99) != noise)
        #expect(attack.apply(to: big, round: 4, seed: 98) != noise)
        #expect(attack.apply(to: Self.delta, round: 1, seed: 1).map(\.dtype) == [.f32, .f64])
    }

    @Test("the site config carries the adversary; a bad spec names the key")
    func configuration() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fedtwin-adversary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        func write(_ adversary: String) throws -> String {
            let path = dir.appendingPathComponent("site.json").path
            try Data("""
                {"component": "noop", "coordinatorFingerprint": "0123456789abcdef", "adversary": "\(adversary)"}
                """.utf8).write(to: URL(fileURLWithPath: path))
            return path
        }
        let good = try SiteConfiguration.load(from: try write("sign-flip:2"))
        #expect(try good.parsedAdversary() == .signFlip(2))
        #expect(try SiteConfiguration().parsedAdversary() == nil)

        let path = try write("scale:0")
        let error = #expect(throws: SiteError.self) { try SiteConfiguration.load(from: path) }
        #expect(error?.description.hasPrefix("\(path): key 'adversary': adversary 'scale:0': factor must be") == true,
                "\(error?.description ?? "no error")")
    }
}
