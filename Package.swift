// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "FedTwin",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "FedTwinWire", targets: ["FedTwinWire"]),
        .library(name: "TwinKit", targets: ["TwinKit"]),
        .executable(name: "fedtwin", targets: ["FedTwinCLI"]),
        .executable(name: "fedtwin-coordinator", targets: ["FedTwinCoordinatorCLI"]),
        .executable(name: "fedtwin-site", targets: ["FedTwinSiteCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // The coordinator's /metrics: swift-metrics' API over the Prometheus text format.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // System libraries, found with pkg-config (scripts/setup.sh installs the apt packages).
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // syncfs(2), which Glibc's Swift overlay does not export.
        .target(name: "CFedTwinPOSIX"),

        // Wire: frames, messages, tensor payloads, compression, signatures. No sockets.
        .target(name: "FedTwinWire", dependencies: ["COpenSSL", "CZlib"]),

        // TwinKit: model tensors, MLP + Adam, fed-batch bioreactor, hybrid twin, MSPC, batch CSV.
        // Knows nothing of the network (FedTwinWire only for its strict JSON reading).
        .target(name: "TwinKit", dependencies: ["FedTwinWire"]),

        // Aggregation strategies over parameter sets (FedAvg, FedProx, FedAdam): pure and
        // deterministic, shared by the coordinator and by registry replay.
        .target(name: "FedTwinAggregation", dependencies: ["FedTwinWire"]),

        // Registry: content-addressed objects, signed version manifests, hash-chained audit log.
        .target(
            name: "FedTwinRegistry",
            dependencies: ["FedTwinWire", "FedTwinAggregation", "CFedTwinPOSIX"]
        ),

        // Transport: NIO framing, connection limits and timeouts. Knows frames, not rounds.
        .target(
            name: "FedTwinTransport",
            dependencies: [
                "FedTwinWire", "COpenSSL",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Coordinator runtime: sessions, the round loop, strategies, commits to the registry.
        .target(
            name: "FedTwinCoordinator",
            dependencies: [
                "FedTwinWire", "FedTwinTransport", "FedTwinRegistry", "FedTwinAggregation",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Status: the coordinator's read-only HTTP endpoint (/metrics, /status, the page),
        // fed by its events and snapshots. NIOHTTP1 only: no web framework.
        .target(
            name: "FedTwinStatus",
            dependencies: [
                "FedTwinCoordinator", "FedTwinRegistry", "FedTwinTransport", "FedTwinWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Site runtime: connects out, trains a TwinKit component locally, uploads updates.
        .target(
            name: "FedTwinSite",
            dependencies: [
                "FedTwinWire", "FedTwinTransport", "TwinKit",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Executables: thin commands over the libraries.
        // What the executables share on the command line: logging set-up, argument types.
        .target(
            name: "FedTwinCommandLine",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "FedTwinCLI",
            dependencies: [
                "FedTwinWire", "FedTwinRegistry", "FedTwinAggregation", "FedTwinSite", "TwinKit", "FedTwinStatus", "FedTwinTransport", "FedTwinCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "FedTwinCoordinatorCLI",
            dependencies: [
                "FedTwinCommandLine", "FedTwinCoordinator", "FedTwinWire", "FedTwinRegistry", "FedTwinStatus",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "FedTwinSiteCLI",
            dependencies: [
                // FedTwinRegistry: `fetch` verifies a release package as an inspector would.
                "FedTwinCommandLine", "FedTwinSite", "FedTwinWire", "TwinKit", "FedTwinRegistry",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .testTarget(name: "FedTwinWireTests", dependencies: ["FedTwinWire", "CZlib"]),
        .testTarget(name: "TwinKitTests", dependencies: ["TwinKit"]),
        .testTarget(name: "FedTwinCommandLineTests", dependencies: ["FedTwinCommandLine"]),
        .testTarget(name: "FedTwinAggregationTests", dependencies: ["FedTwinAggregation", "FedTwinWire"]),
        .testTarget(name: "FedTwinRegistryTests", dependencies: ["FedTwinRegistry", "FedTwinAggregation", "FedTwinWire"]),
        .testTarget(
            name: "FedTwinTransportTests",
            dependencies: [
                "FedTwinTransport", "FedTwinWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "FedTwinCoordinatorTests",
            dependencies: ["FedTwinCoordinator", "FedTwinRegistry", "FedTwinAggregation", "FedTwinTransport", "FedTwinWire",
                           "FedTwinStatus", "COpenSSL", .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")]
        ),
        .testTarget(name: "FedTwinSiteTests", dependencies: ["FedTwinSite", "FedTwinWire", "FedTwinTransport", "TwinKit", .product(name: "Logging", package: "swift-log")]),
        .testTarget(
            name: "FedTwinIntegrationTests",
            dependencies: [
                "FedTwinWire", "FedTwinRegistry", "FedTwinTransport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // libFuzzer targets (scripts/fuzz.sh, docs/security.md "Fuzzing"). Built with
        // `-sanitize=fuzzer -D FUZZING` they are fuzzers; in a plain build they are small
        // tools that replay corpus files through the same checks, so they always compile.
        .target(name: "FuzzDriver"),
        .executableTarget(name: "FuzzFrameDecoder", dependencies: ["FedTwinWire", "FuzzDriver"]),
        .executableTarget(name: "FuzzTensorPayload", dependencies: ["FedTwinWire", "FuzzDriver"]),
        .executableTarget(name: "FuzzBatchCSV", dependencies: ["TwinKit", "FuzzDriver"]),
    ],
    swiftLanguageModes: [.v6]
)
