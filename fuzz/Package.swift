// swift-tools-version: 6.0
// libFuzzer targets for the registry's parsers and decoders (see README.md). A package of
// its own, depending on the root package by path, so the main build never sees the
// sanitizer flags: run.sh builds it with `-sanitize=fuzzer,address` for every module, so
// the library code is instrumented too (coverage feedback reaches SRPWire and SchemaFormats).
import PackageDescription

let fuzzTargets = [
    "FuzzFrames", "FuzzRequests", "FuzzAvroSchema", "FuzzJSONSchema", "FuzzPayloads", "FuzzJSONSchemaSoundness",
    "FuzzProtobufSchema", "FuzzProtoParser",
]

let package = Package(
    name: "schema-registry-fuzz",
    platforms: [.macOS(.v15)],
    products: fuzzTargets.map { .executable(name: $0, targets: [$0]) },
    dependencies: [
        .package(name: "schema-registry", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
    ],
    targets: [
        // Invariant checks and the method -> request message table, shared by the targets.
        .target(
            name: "FuzzSupport",
            dependencies: [
                .product(name: "SRPWire", package: "schema-registry"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        .executableTarget(
            name: "FuzzFrames",
            dependencies: [
                "FuzzSupport",
                .product(name: "SRPWire", package: "schema-registry"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        .executableTarget(
            name: "FuzzRequests",
            dependencies: [
                "FuzzSupport",
                .product(name: "SRPWire", package: "schema-registry"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        .executableTarget(
            name: "FuzzAvroSchema",
            dependencies: [
                "FuzzSupport",
                .product(name: "SchemaFormats", package: "schema-registry"),
                .product(name: "SchemaRegistryCore", package: "schema-registry"),
            ]),
        .executableTarget(
            name: "FuzzProtobufSchema",
            dependencies: [
                "FuzzSupport",
                .product(name: "SchemaFormats", package: "schema-registry"),
                .product(name: "SchemaRegistryCore", package: "schema-registry"),
            ]),
        .executableTarget(
            name: "FuzzProtoParser",
            dependencies: [
                "FuzzSupport",
                .product(name: "SchemaFormats", package: "schema-registry"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        .executableTarget(
            name: "FuzzJSONSchema",
            dependencies: [
                "FuzzSupport",
                .product(name: "SchemaFormats", package: "schema-registry"),
                .product(name: "SchemaRegistryCore", package: "schema-registry"),
            ]),
        // JSONSchemaSoundnessGenerator.swift is a link to the property test's generator.
        .executableTarget(
            name: "FuzzJSONSchemaSoundness",
            dependencies: [
                "FuzzSupport",
                .product(name: "SchemaFormats", package: "schema-registry"),
                .product(name: "SchemaRegistryCore", package: "schema-registry"),
            ]),
        .executableTarget(
            name: "FuzzPayloads",
            dependencies: [
                "FuzzSupport",
                .product(name: "SchemaFormats", package: "schema-registry"),
                .product(name: "SchemaRegistryCore", package: "schema-registry"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
