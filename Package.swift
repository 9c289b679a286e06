// swift-tools-version: 6.0
// The schema registry: SRP server, embedded store, Swift client and CLI.
// Module arrows point down only (see docs/ARCHITECTURE.md):
//   schema-registry -> SchemaRegistryApp, SchemaRegistryServer, SchemaRegistryClient, SchemaRegistryLoad
//   SchemaRegistryApp (composition root) -> SchemaRegistryServer, SQLiteStore, PostgresStore, RedisCache
//   SchemaRegistryLoad -> SchemaRegistryClient, SRPWire, Histogram
//   SchemaRegistryServer -> SRPWire, SchemaFormats, SchemaRegistryCore
//   SchemaRegistryClient -> SRPWire, Resilience
//   SQLiteStore -> SchemaRegistryCore, Resilience, CSQLite
//   PostgresStore -> SchemaRegistryCore, Resilience, CLibPQ
//   RedisCache -> SchemaRegistryCore, Resilience, CHiredis
//   SRPWire -> SwiftProtobuf, NIOCore, CLZ4
//   SchemaFormats -> SchemaRegistryCore
import PackageDescription

let package = Package(
    name: "schema-registry",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "schema-registry", targets: ["SchemaRegistryCLI"]),
        .library(name: "SchemaRegistryClient", targets: ["SchemaRegistryClient"]),
        .library(name: "SchemaRegistrySerdes", targets: ["SchemaRegistrySerdes"]),
        .library(name: "SchemaRegistryServer", targets: ["SchemaRegistryServer"]),
        .library(name: "SRPWire", targets: ["SRPWire"]),
        .library(name: "SchemaRegistryCore", targets: ["SchemaRegistryCore"]),
        .library(name: "SchemaFormats", targets: ["SchemaFormats"]),
        .library(name: "SQLiteStore", targets: ["SQLiteStore"]),
        .executable(name: "srp-codegen", targets: ["SRPCodegenTool"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-protobuf.git", from: "1.39.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // C libraries, each a system-library shim.
        .systemLibrary(
            name: "CLZ4", pkgConfig: "liblz4",
            providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        // libpq's header only: the library is dlopen'ed by PostgresStore (LibPQ.swift) when a
        // PostgreSQL store is opened, so a server on SQLite does not map it and its dependencies.
        .systemLibrary(
            name: "CLibPQ",
            providers: [.apt(["libpq-dev"])]),
        .systemLibrary(
            name: "CHiredis", pkgConfig: "hiredis",
            providers: [.apt(["libhiredis-dev"])]),

        // Domain: model, errors, the SchemaFormat seam, store protocol, RegistryService.
        .target(name: "SchemaRegistryCore"),
        // The one retry backoff, and the serial queue blocking C calls run on (no dependencies).
        .target(name: "Resilience"),
        // Schema formats behind the SchemaFormat seam.
        // (SwiftProtobuf for Protobuf schemas: their parsed form is a FileDescriptorProto.)
        .target(
            name: "SchemaFormats",
            dependencies: ["SchemaRegistryCore", .product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        // Wire: frames, LZ4, handshake and connection state machines, generated messages.
        .target(
            name: "SRPWire",
            dependencies: [
                "CLZ4",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        // The embedded store.
        .target(name: "SQLiteStore", dependencies: ["SchemaRegistryCore", "Resilience", "CSQLite"]),
        // The production store on PostgreSQL (libpq).
        .target(name: "PostgresStore", dependencies: ["SchemaRegistryCore", "Resilience", "CLibPQ"]),
        // L2 cache shared by instances, on Redis (hiredis 0.14).
        .target(name: "RedisCache", dependencies: ["SchemaRegistryCore", "Resilience", "CHiredis"]),
        // The NIO server.
        .target(
            name: "SchemaRegistryServer",
            dependencies: [
                "SchemaRegistryCore", "SchemaFormats", "SRPWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ]),
        // The composition root: settings -> stores -> L2 -> L1 -> RegistryService -> servers.
        .target(
            name: "SchemaRegistryApp",
            dependencies: [
                "SchemaRegistryServer", "SchemaRegistryCore", "SQLiteStore", "PostgresStore", "RedisCache",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // docs/openapi.json (through a symbolic link), served by the REST API at /openapi.json.
            resources: [.embedInCode("openapi.json")]),
        // The Swift client: generated stubs over a multiplexing transport.
        .target(
            name: "SchemaRegistryClient",
            dependencies: [
                "SRPWire", "Resilience",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ]),
        // Kafka serializers over the Swift client: Confluent's wire format, Avro binary and JSON.
        .target(
            name: "SchemaRegistrySerdes",
            dependencies: [
                "SchemaRegistryClient", "SchemaFormats", "SchemaRegistryCore", "SRPWire",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        // Renders the method tables and client stubs (Swift, and the C client's) from proto/'s descriptor set.
        .target(
            name: "SRPCodegen",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .executableTarget(name: "SRPCodegenTool", dependencies: ["SRPCodegen"]),
        // The load tool and the bench (open- and closed-loop load, reports, SVG charts); no command line.
        .target(
            name: "SchemaRegistryLoad",
            dependencies: [
                "SchemaRegistryClient", "SRPWire",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        // `schema-registry`: serve, the CLI subcommands, and thin `load` and `bench` entries.
        .executableTarget(
            name: "SchemaRegistryCLI",
            dependencies: [
                "SchemaRegistryApp", "SchemaRegistryServer", "SchemaRegistryClient", "SchemaRegistryLoad", "SRPWire",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // Release on Linux: the idle footprint (issue 19, benches/README "Idle RSS"). The Swift
            // runtime and Foundation linked in, not mapped as 15 Swift shared libraries each touched at
            // start-up; relative relocations packed (RELR, lld) instead of a 2.9 MB .rela.dyn read
            // and applied at load; no symbol table exported for dynamic lookup, which nothing here
            // does (libpq is dlopen'ed and needs nothing from the executable). Debug stays dynamic
            // for fast links.
            // Compiled against the static resource directory too: its Foundation modules carry the
            // autolink entries (CoreFoundation, ICU) a static link needs.
            swiftSettings: [.unsafeFlags(["-static-stdlib"], .when(platforms: [.linux], configuration: .release))],
            linkerSettings: [
                .unsafeFlags(
                    [
                        "-static-stdlib", "-use-ld=lld",
                        "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
                        "-Xlinker", "--no-export-dynamic",
                    ],
                    .when(platforms: [.linux], configuration: .release))
            ]),

        // Test support, tests only (no product). TestSupport knows nothing of the registry:
        // waiting, child processes, ports, temporary directories, the manual clock, the
        // external-service rule and the PostgreSQL and Redis launchers, shared fixtures.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // What needs the registry's modules: the in-memory store and the gate, store fixtures,
        // the in-process TestServer, raw connections, the CLI runner, the server process.
        .target(
            name: "SchemaRegistryTesting",
            dependencies: [
                "SchemaRegistryCore", "SchemaRegistryServer", "SchemaRegistryApp", "SchemaRegistryClient", "SRPWire",
                "SQLiteStore", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ],
            path: "Tests/SchemaRegistryTesting",
            // Test certificates, read from disk via #filePath; not resources of the module.
            exclude: ["Fixtures"]),
        .testTarget(name: "SchemaRegistryCoreTests", dependencies: ["SchemaRegistryCore", "Resilience"]),
        .testTarget(
            name: "SchemaFormatsTests", dependencies: ["SchemaFormats", "SchemaRegistryCore", "TestSupport"],
            // Read by the tests from disk via #filePath; not resources of the module.
            exclude: ["Fixtures"]),
        .testTarget(
            name: "SRPWireTests",
            dependencies: [
                "SRPWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        .testTarget(
            name: "SQLiteStoreTests",
            dependencies: ["SQLiteStore", "SchemaRegistryCore", "SchemaRegistryTesting", "TestSupport"]),
        // One behavioural suite run against every store (SQLite and the tests' in-memory store
        // always, PostgreSQL when the test command provides SR_TEST_POSTGRES_URL, each behind
        // Redis when it provides SR_TEST_REDIS_URL).
        .testTarget(
            name: "StoreConformanceTests",
            dependencies: [
                "SQLiteStore", "PostgresStore", "RedisCache", "SchemaRegistryCore", "SchemaRegistryTesting",
                "TestSupport",
            ]),
        // The server over real sockets: protocol, abuse, flow control, limits, budgets,
        // deadlines, auth, TLS, metrics, settings, the registry service through the server.
        .testTarget(
            name: "SchemaRegistryServerTests",
            dependencies: [
                "SchemaRegistryApp", "SchemaRegistryServer", "SchemaRegistryClient", "SRPWire", "SQLiteStore",
                "SchemaRegistryTesting", "TestSupport", "SchemaRegistrySerdes", "SchemaFormats",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
            ]),
        // The Swift client: round trips, many calls and connections, deadlines, reconnects.
        .testTarget(
            name: "SchemaRegistryClientTests",
            dependencies: [
                "SchemaRegistryClient", "SchemaRegistryServer", "SRPWire", "SchemaRegistryTesting", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        // The `schema-registry` binary: client subcommands, keys, TLS flags, the load tool,
        // exit codes (run as a child process; SCHEMA_REGISTRY_BIN or the newest build).
        .testTarget(
            name: "SchemaRegistryCLITests",
            dependencies: [
                "SchemaRegistryServer", "SchemaRegistryClient", "SRPWire", "SchemaRegistryTesting", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]),
        // Several processes and real services: instances sharing PostgreSQL (and Redis),
        // durability across kill -9, faults of PostgreSQL and Redis under load.
        .testTarget(
            name: "IntegrationTests",
            dependencies: [
                "SchemaRegistryClient", "SRPWire", "SchemaRegistryTesting", "TestSupport",
            ]),
        .testTarget(name: "SRPCodegenTests", dependencies: ["SRPCodegen", "TestSupport"]),
        .testTarget(
            name: "RedisCacheTests",
            dependencies: ["RedisCache", "SQLiteStore", "SchemaRegistryCore", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
