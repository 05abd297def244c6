// swift-tools-version: 6.1
import PackageDescription

// libFuzzer targets for the collector's decoders and the scenario parser, kept apart from the root
// package (like Benchmarks/) so that its `swift build --build-tests` and CI never build them.
// Build and run them with `scripts/fuzz.sh` (README, "Fuzzing"), which builds in Fuzz/.build:
//
//     swift build -c release --package-path Fuzz --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address \
//         -Xswiftc -enable-testing --disable-dead-strip
//
// Each target is an executable without a `main`: libFuzzer's `main` calls the target's exported
// `LLVMFuzzerTestOneInput`. `FuzzSupport` reaches the collector's internals with
// `@testable import`, as the root package's tests do, hence `-enable-testing`.
let parseAsLibrary: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "ClickSwarmFuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "ClickSwarm", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        // The collector's state on an embedded event loop, and the server's pipeline on a channel.
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "Collector", package: "ClickSwarm"),
                .product(name: "RaccoonWire", package: "ClickSwarm"),
                .product(name: "SwarmPrimitives", package: "ClickSwarm"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "fuzz-protobuf",
            dependencies: [
                "FuzzSupport",
                .product(name: "Collector", package: "ClickSwarm"),
                .product(name: "RaccoonWire", package: "ClickSwarm"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            swiftSettings: parseAsLibrary
        ),
        .executableTarget(
            name: "fuzz-raccoon-json",
            dependencies: [
                "FuzzSupport",
                .product(name: "Collector", package: "ClickSwarm"),
                .product(name: "RaccoonWire", package: "ClickSwarm"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: parseAsLibrary
        ),
        .executableTarget(
            name: "fuzz-websocket",
            dependencies: [
                "FuzzSupport",
                .product(name: "Collector", package: "ClickSwarm"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: parseAsLibrary
        ),
        .executableTarget(
            name: "fuzz-http",
            dependencies: [
                "FuzzSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: parseAsLibrary
        ),
        .executableTarget(
            name: "fuzz-scenario",
            dependencies: [.product(name: "Simulation", package: "ClickSwarm")],
            swiftSettings: parseAsLibrary
        ),
    ],
    swiftLanguageModes: [.v6]
)
