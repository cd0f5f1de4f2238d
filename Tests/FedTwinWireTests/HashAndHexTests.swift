import Testing
@testable import FedTwinWire

@Suite("SHA-256 and hex")
struct HashAndHexTests {
    /// FIPS 180-2 examples.
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
    ])
    func knownDigests(input: String, digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
        #expect(SHA256.hash(Array(input.utf8)).count == SHA256.byteCount)
    }

    @Test(arguments: propertySeeds)
    func incrementalEqualsOneShot(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        let data = (0..<Int.random(in: 0...3000, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        var hasher = SHA256.Hasher()
        var start = 0
        while start < data.count {
            let end = min(data.count, start + Int.random(in: 0...700, using: &rng))
            hasher.update(data[start..<end].withUnsafeBytes { Array($0) })
            start = end
        }
        #expect(hasher.finalize() == SHA256.hash(data))
    }

    @Test func hexEncodesLowerCase() {
        #expect(Hex.encode([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
        #expect(Hex.encode([UInt8]()) == "")
    }

    @Test(arguments: propertySeeds)
    func hexRoundTrip(seed: UInt64) {
        var rng = SeededRandom(seed: seed)
        let bytes = (0..<Int.random(in: 0...100, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        #expect(Hex.decode(Hex.encode(bytes)) == bytes)
        #expect(Hex.decode(Hex.encode(bytes).uppercased()) == bytes)
    }

    @Test(arguments: ["0", "abc", "zz", "0g", " 00", "00 ", "+1"])
    func hexRefusesBadText(text: String) {
        #expect(Hex.decode(text) == nil)
    }
}
