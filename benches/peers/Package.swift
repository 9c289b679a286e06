// swift-tools-version: 6.0
// Peers over the same RegistryService, so that comparisons measure the transport, not the
// storage: a gRPC facade on grpc-swift-2 (HTTP/2, the same protobuf messages as SRP), with
// grpc-load to drive it. (REST is the product's own REST port since issue 16; the Hummingbird
// facade that stood in for it before is gone.) Depends on the root package by path;
// see run.sh and wire.sh.
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
        .package(url: "https://github.com/grpc/grpc-swift-2.git", from: "2.4.3"),
        .package(url: "https://github.com/grpc/grpc-swift-nio-transport.git", from: "2.9.2"),
        .package(url: "https://github.com/grpc/grpc-swift-protobuf.git", from: "2.4.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
    ],
    targets: [
        // The gRPC glue (method descriptors, service) is hand-written in GRPCGlue rather than
        // generated: building protoc-gen-grpc-swift costs more than the two methods it would write.
        .target(
            name: "GRPCGlue",
            dependencies: [
                .product(name: "GRPCCore", package: "grpc-swift-2"),
                .product(name: "GRPCProtobuf", package: "grpc-swift-protobuf"),
                .product(name: "SRPWire", package: root),
            ]),
        .executableTarget(
            name: "grpc-facade",
            dependencies: [
                "GRPCGlue",
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "SchemaRegistryCore", package: root),
                .product(name: "SchemaFormats", package: root),
                .product(name: "SQLiteStore", package: root),
            ]),
        .executableTarget(
            name: "grpc-load",
            dependencies: [
                "GRPCGlue",
                .product(name: "GRPCNIOTransportHTTP2", package: "grpc-swift-nio-transport"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]),
    ]
)
