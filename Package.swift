// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "ClickSwarm",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "clickswarm", targets: ["clickswarm"]),
        .library(name: "RaccoonWire", targets: ["RaccoonWire"]),
        .library(name: "Collector", targets: ["Collector"]),
        .library(name: "ClickstreamSDK", targets: ["ClickstreamSDK"]),
        .library(name: "Simulation", targets: ["Simulation"]),
        .library(name: "Reports", targets: ["Reports"]),
        .library(name: "SwarmKafka", targets: ["SwarmKafka"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        .target(
            name: "RaccoonWire",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .target(
            name: "Collector",
            dependencies: [
                "RaccoonWire",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "ClickstreamSDK",
            dependencies: [
                "RaccoonWire",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
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
            dependencies: ["CCurl", .product(name: "Histogram", package: "hdrhistogram-swift")]
        ),
        .target(
            name: "Simulation",
            dependencies: [
                "ClickstreamSDK",
                "Collector",
                "Reports",
                "RaccoonWire",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "clickswarm",
            dependencies: [
                "Collector",
                "RaccoonWire",
                "Simulation",
                "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .target(
            name: "ClickSwarmTestSupport",
            dependencies: [
                "RaccoonWire",
                "ClickstreamSDK",
                "Collector",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            path: "Tests/ClickSwarmTestSupport"
        ),
        .testTarget(
            name: "RaccoonWireTests",
            dependencies: ["RaccoonWire", .product(name: "SwiftProtobuf", package: "swift-protobuf")]
        ),
        .testTarget(
            name: "CollectorTests",
            dependencies: [
                "Collector",
                "RaccoonWire",
                "ClickSwarmTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ClickstreamSDKTests",
            dependencies: [
                "ClickstreamSDK",
                "Collector",
                "RaccoonWire",
                "ClickSwarmTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "ReportsTests",
            dependencies: [
                "Reports",
                "ClickSwarmTestSupport",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SimulationTests",
            dependencies: [
                "Simulation",
                "Reports",
                "ClickstreamSDK",
                "Collector",
                "RaccoonWire",
                "ClickSwarmTestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "SwarmKafkaTests",
            dependencies: ["SwarmKafka", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]
        ),
        .testTarget(
            name: "ClickSwarmCLITests",
            dependencies: ["clickswarm", "ClickSwarmTestSupport", "Reports"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
