// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "FedTwin",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "FedTwinWire", targets: ["FedTwinWire"]),
        .executable(name: "fedtwin", targets: ["FedTwinCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // System libraries, found with pkg-config (see scripts/setup.sh for the apt packages).
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),

        // Wire: frames, messages, tensor payloads, compression, signatures. No sockets.
        .target(
            name: "FedTwinWire",
            dependencies: ["COpenSSL", "CZlib"]
        ),

        // TwinKit: tensors for models, MLP + Adam, fed-batch bioreactor, hybrid twin, MSPC, batch CSV.
        // Knows nothing of the network.
        .target(name: "TwinKit"),

        // `fedtwin`: keys, frame inspection, benchmarks.
        .executableTarget(
            name: "FedTwinCLI",
            dependencies: [
                "FedTwinWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(
            name: "FedTwinWireTests",
            dependencies: ["FedTwinWire"]
        ),
        .testTarget(
            name: "TwinKitTests",
            dependencies: ["TwinKit"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
