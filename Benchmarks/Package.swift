// swift-tools-version: 6.1
import PackageDescription

// Benchmarks for ClickSwarm, kept apart from the root package so that its build (and the
// root package's) stay unchanged. Build it in its own folder:
//
//     swift build -c release --package-path Benchmarks
//
// `collector-load` drives a running `clickswarm collector` over loopback WebSocket;
// `scripts/bench-collector.sh` builds both, runs them and prints the figures.
// `sdk-footprint` measures what Clickstream SDK instances cost (memory per connected instance,
// per stored event, CPU per event); `scripts/bench-sdk.sh` builds it and the collector and runs it.
let package = Package(
    name: "ClickSwarmBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "ClickSwarm", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
    ],
    targets: [
        .target(name: "BenchSupport"),
        .executableTarget(
            name: "collector-load",
            dependencies: [
                "BenchSupport",
                .product(name: "RaccoonWire", package: "ClickSwarm"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "sdk-footprint",
            dependencies: [
                "BenchSupport",
                .product(name: "Collector", package: "ClickSwarm"),
                .product(name: "ClickstreamSDK", package: "ClickSwarm"),
                .product(name: "ClickstreamTransports", package: "ClickSwarm"),
                .product(name: "ClickSwarmTestSupport", package: "ClickSwarm"),
                .product(name: "SwarmPrimitives", package: "ClickSwarm"),
                .product(name: "RaccoonWire", package: "ClickSwarm"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
