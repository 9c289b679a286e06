// swift-tools-version: 6.0
// Peers over the same RegistryService, so that comparisons measure the transport, not the
// storage: a REST/JSON facade on Hummingbird 2 (how Confluent, Apicurio and Karapace serve
// GET /schemas/ids/{id}). Depends on the root package by path; see run.sh.
import Foundation
import PackageDescription

/// A path dependency's identity is its directory's name, which depends on where the
/// repository was cloned; derive it instead of hard-coding it.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "peer-benches",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
    ],
    targets: [
        .executableTarget(
            name: "rest-facade",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "SchemaRegistryCore", package: root),
                .product(name: "SchemaFormats", package: root),
                .product(name: "SQLiteStore", package: root),
            ])
    ]
)
