// swift-tools-version: 6.0
// The embedded store's search beside the same SQL through the sqlite3 C API, in one process
// (issue 19): what the store adds to the query, without HTTP or another language in between.
// Depends on the root package by path; see run.sh (`--store-level`).
import Foundation
import PackageDescription

/// A path dependency's identity is its directory's name, which depends on where the
/// repository was cloned; derive it instead of hard-coding it.
let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "search-bench",
    platforms: [.macOS(.v15)],
    dependencies: [.package(path: "../..")],
    targets: [
        .systemLibrary(name: "CSQLiteRaw", pkgConfig: "sqlite3"),
        .executableTarget(
            name: "search-store-bench",
            dependencies: [
                "CSQLiteRaw",
                .product(name: "SQLiteStore", package: root),
                .product(name: "SchemaRegistryCore", package: root),
            ]),
    ],
    // A single-threaded benchmark's top-level state: Swift 5 mode spares it actor annotations.
    swiftLanguageModes: [.v5]
)
