// swift-tools-version: 6.0
// Format benchmarks: Avro parse/canonicalise/compatibility and JSON Schema validation,
// compared with jsonschema-rs by run.sh. Depends on the root package by path.
import Foundation
import PackageDescription

/// A path dependency's identity is its directory's name, which depends on where the
/// repository was cloned; derive it instead of hard-coding it.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "format-benches",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../..")],
    targets: [
        .executableTarget(
            name: "avro-bench",
            dependencies: [
                .product(name: "SchemaFormats", package: root),
                .product(name: "SchemaRegistryCore", package: root),
            ]),
        .executableTarget(
            name: "protobuf-bench",
            dependencies: [
                .product(name: "SchemaFormats", package: root),
                .product(name: "SchemaRegistryCore", package: root),
            ]),
        .executableTarget(
            name: "serdes-bench",
            dependencies: [
                .product(name: "SchemaFormats", package: root),
                .product(name: "SchemaRegistryCore", package: root),
            ]),
        .executableTarget(
            name: "avro-json-bench",
            dependencies: [
                .product(name: "SchemaFormats", package: root),
                .product(name: "SchemaRegistryCore", package: root),
            ]),
        .executableTarget(
            name: "jsonschema-bench", dependencies: [.product(name: "SchemaFormats", package: root)]),
        .executableTarget(
            name: "format-ops",
            dependencies: [
                .product(name: "SchemaFormats", package: root),
                .product(name: "SchemaRegistryCore", package: root),
            ]),
    ]
)
