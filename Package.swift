// swift-tools-version: 6.1
import PackageDescription

// The module graph (README, "Architecture"): arrows point down this list, never up.
//
//   clickswarm (ArgumentParser) -> ClickSwarmCommands -> Simulation -> ClickstreamTransports -> ClickstreamSDK
//                                                     \-> Collector, Reports            RaccoonWire, SwarmPrimitives
let nio: [Target.Dependency] = [.product(name: "NIOCore", package: "swift-nio")]

let package = Package(
    name: "ClickSwarm",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "clickswarm", targets: ["clickswarm"]),
        .library(name: "SwarmPrimitives", targets: ["SwarmPrimitives"]),
        .library(name: "RaccoonWire", targets: ["RaccoonWire"]),
        .library(name: "ClickstreamSDK", targets: ["ClickstreamSDK"]),
        .library(name: "ClickstreamTransports", targets: ["ClickstreamTransports"]),
        .library(name: "Collector", targets: ["Collector"]),
        .library(name: "Reports", targets: ["Reports"]),
        .library(name: "SwarmKafka", targets: ["SwarmKafka"]),
        .library(name: "Simulation", targets: ["Simulation"]),
        // Fakes and loopback helpers for the tests and the Benchmarks package.
        .library(name: "ClickSwarmTestSupport", targets: ["ClickSwarmTestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Seeded random, the one distribution type with its parser and units, sizes, sequence
        // bitmaps, the Prometheus text writer, the open-file limit: Foundation only.
        .target(name: "SwarmPrimitives"),
        .target(
            name: "RaccoonWire",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        // The SDK sees a scheduler (an event loop) and a transport protocol, never a socket.
        .target(
            name: "ClickstreamSDK",
            dependencies: [
                "RaccoonWire", "SwarmPrimitives", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ] + nio
        ),
        // The SDK's WebSocket and REST transports over any NIO channel (NIOPosix for the words of
        // its connection errors).
        .target(
            name: "ClickstreamTransports",
            dependencies: [
                "ClickstreamSDK",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ] + nio
        ),
        .target(
            name: "Collector",
            dependencies: [
                "RaccoonWire",
                "SwarmPrimitives",
                "SwarmKafka",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ] + nio
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        // librdkafka (Debian's librdkafka-dev), the C client Raccoon's Go publisher uses too.
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        .target(
            name: "SwarmKafka",
            dependencies: [
                "CRdKafka",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Reports",
            dependencies: [
                "CCurl", "SwarmPrimitives", .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .target(
            name: "Simulation",
            dependencies: [
                "ClickstreamSDK",
                "ClickstreamTransports",
                "Collector",
                "Reports",
                "RaccoonWire",
                "SwarmPrimitives",
                "SwarmKafka",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ] + nio
        ),
        // The application layer: run, replay, validate, compare, merge, report, collector; one
        // exit status; console output.
        .target(
            name: "ClickSwarmCommands",
            dependencies: [
                "Simulation",
                "Reports",
                "Collector",
                "SwarmPrimitives",
                "SwarmKafka",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // Flags into the commands' requests (which name the libraries' types) and nothing else.
        .executableTarget(
            name: "clickswarm",
            dependencies: [
                "ClickSwarmCommands", "Simulation", "Reports", "Collector", "SwarmPrimitives",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ClickSwarmTestSupport",
            dependencies: [
                "RaccoonWire",
                "ClickstreamSDK",
                "ClickstreamTransports",
                "Collector",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ] + nio,
            path: "Tests/ClickSwarmTestSupport"
        ),
        .testTarget(
            name: "SwarmPrimitivesTests",
            dependencies: ["SwarmPrimitives"]
        ),
        .testTarget(
            name: "RaccoonWireTests",
            dependencies: [
                "RaccoonWire", "SwarmPrimitives", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]
        ),
        .testTarget(
            name: "CollectorTests",
            dependencies: [
                "Collector",
                "SwarmKafka",
                "RaccoonWire",
                "SwarmPrimitives",
                "ClickSwarmTestSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ] + nio
        ),
        .testTarget(
            name: "ClickstreamSDKTests",
            dependencies: [
                "ClickstreamSDK",
                "ClickstreamTransports",
                "Collector",
                "RaccoonWire",
                "SwarmPrimitives",
                "ClickSwarmTestSupport",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ] + nio
        ),
        .testTarget(
            name: "ReportsTests",
            dependencies: [
                "Reports",
                "SwarmPrimitives",
                "ClickSwarmTestSupport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ] + nio
        ),
        .testTarget(
            name: "SimulationTests",
            dependencies: [
                "Simulation",
                "SwarmKafka",
                "Reports",
                "ClickstreamSDK",
                "ClickstreamTransports",
                "Collector",
                "RaccoonWire",
                "SwarmPrimitives",
                "ClickSwarmTestSupport",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ] + nio
        ),
        .testTarget(
            name: "SwarmKafkaTests",
            dependencies: ["SwarmKafka", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]
        ),
        .testTarget(
            name: "ClickSwarmCLITests",
            dependencies: [
                "clickswarm", "ClickSwarmCommands", "ClickSwarmTestSupport", "Collector", "Reports", "SwarmPrimitives",
                "SwarmKafka", .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
