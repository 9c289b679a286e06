// swift-tools-version: 6.1
// Micro-benchmarks of the hot path with ordo-one/package-benchmark (time and malloc counts):
// frames, LZ4, protobuf of the hot responses at 100 B / 1 KiB / 10 KiB / 100 KiB, the token
// bucket, the L1 lookup and a full loopback round trip. Depends on the root package by path;
// kept out of the root package so the main build and CI stay fast. See run.sh.
import Foundation
import PackageDescription

/// A path dependency's identity is its directory's name, which depends on where the
/// repository was cloned; derive it instead of hard-coding it.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "micro-benches",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "SRPMicro",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "SRPWire", package: root),
                .product(name: "SchemaRegistryCore", package: root),
                .product(name: "SchemaRegistryServer", package: root),
                .product(name: "SchemaRegistryClient", package: root),
                .product(name: "SchemaFormats", package: root),
                .product(name: "SQLiteStore", package: root),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/SRPMicro",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")])
    ]
)
