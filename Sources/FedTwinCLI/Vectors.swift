import ArgumentParser
import FedTwinWire

/// `fedtwin vectors`: (re)writes the protocol test vectors.
struct Vectors: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the protocol test vectors (frames + expected JSON) into a directory.",
        discussion: "The output is deterministic; `swift test` fails if protocol/vectors/ differs from it."
    )

    @Option(help: "Output directory.")
    var out: String = "protocol/vectors"

    func run() throws {
        try FileSystem.makeDirectory(out)
        let vectors = try ProtocolVectors.generate()
        for vector in vectors {
            try FileSystem.write(vector.frame, to: "\(out)/\(vector.name).frame")
            try FileSystem.write(vector.expectation, to: "\(out)/\(vector.name).json")
        }
        try FileSystem.write(try ProtocolVectors.keysJSON(), to: "\(out)/keys.json")
        print("wrote \(vectors.count) vectors and keys.json to \(out)")
    }
}
