import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

/// The Swift client's cache against a real server: schemas by id without a round trip,
/// mutable lookups kept exact by the watch, nothing served from memory once the watch is cut.
@Suite struct ClientCacheTests {
    static func schema(_ fields: Int) -> String {
        let list = (0..<fields).map { #"{"name":"f\#($0)","type":"int","default":0}"# }.joined(separator: ",")
        return #"{"type":"record","name":"R","fields":[\#(list)]}"#
    }

    static func register(_ client: SchemaRegistryClient, _ subject: String, fields: Int) async throws -> UInt32 {
        try await client.registerSchema(
            .with {
                $0.subject = subject
                $0.schema = schema(fields)
            }
        ).id
    }

    static func caching(_ server: TestServer, schemaBytes: Int = 1 << 20) -> SchemaRegistryClient {
        server.client { $0.cache = ClientCacheConfiguration(schemaBytes: schemaBytes) }
    }

    static let latest = Srp_GetSchemaByVersionRequest.with {
        $0.subject = "orders"
        $0.version = -1
    }

    @Test func aSchemaByIdIsFetchedOnceAndThenServedWithoutTheServer() async throws {
        let server = try await TestServer.start()
        let writer = server.client()
        let id = try await Self.register(writer, "orders", fields: 1)
        let client = Self.caching(server)
        let fetched = try await client.cached.schema(id: id)
        let again = try await client.cached.schema(id: id)
        #expect(fetched == again)
        #expect(client.cacheStatistics?.schemaMisses == 1)
        #expect(client.cacheStatistics?.schemaHits == 1)
        await server.stop()
        // No round trip: the server is gone and the schema still comes.
        #expect(try await client.cached.schema(id: id).schema == fetched.schema)
        await #expect(throws: SchemaRegistryClientError.self) {
            _ = try await client.getSchemaById(
                .with { $0.id = id }, options: .init(timeout: .seconds(5), maxRetries: 0))
        }
    }

    @Test func theLatestVersionFollowsRegistrationsThroughTheWatch() async throws {
        try await withServer { server in
            let writer = server.client()
            _ = try await Self.register(writer, "orders", fields: 1)
            let client = Self.caching(server)
            // Once the watch is live, the latest version comes from memory.
            #expect(
                await eventually {
                    _ = try? await client.cached.schemaVersion(Self.latest)
                    return (client.cacheStatistics?.mutableHits ?? 0) > 0
                })
            #expect(try await client.cached.schemaVersion(Self.latest).schema.version == 1)
            let id2 = try await Self.register(writer, "orders", fields: 2)
            // The event reaches the cache: the new latest, and never the old one after it.
            #expect(await eventually { (try? await client.cached.schemaVersion(Self.latest).schema.version) == 2 })
            for _ in 0..<20 {
                let answer = try await client.cached.schemaVersion(Self.latest).schema
                #expect(answer.version == 2 && answer.id == id2)
            }
        }
    }

    @Test func configAndModeFollowChangesIncludingTheGlobalOnes() async throws {
        try await withServer { server in
            let writer = server.client()
            _ = try await writer.setConfig(
                .with {
                    $0.subject = "orders"
                    $0.compatibility = .full
                })
            let client = Self.caching(server)
            let asked = Srp_GetConfigRequest.with {
                $0.subject = "payments"
                $0.defaultToGlobal = true
            }
            #expect(
                await eventually {
                    _ = try? await client.cached.config(asked)
                    return (client.cacheStatistics?.mutableHits ?? 0) > 0
                })
            // payments has no level of its own: a global change must reach it.
            _ = try await writer.setConfig(.with { $0.compatibility = .forwardTransitive })
            #expect(await eventually { (try? await client.cached.config(asked).compatibility) == .forwardTransitive })
            _ = try await writer.setMode(
                .with {
                    $0.subject = "payments"
                    $0.mode = .readonly
                })
            #expect(
                await eventually {
                    (try? await client.cached.mode(
                        .with {
                            $0.subject = "payments"
                            $0.defaultToGlobal = true
                        }
                    ).mode) == .readonly
                })
        }
    }

    @Test func withTheWatchCutMutableLookupsAreNotAnsweredFromMemory() async throws {
        let server = try await TestServer.start()
        let writer = server.client()
        let id = try await Self.register(writer, "orders", fields: 1)
        let client = Self.caching(server)
        _ = try await client.cached.schema(id: id)
        #expect(
            await eventually {
                _ = try? await client.cached.schemaVersion(Self.latest)
                return (client.cacheStatistics?.mutableHits ?? 0) > 0
            })
        await server.stop()
        // The connection (and with it the watch) is gone: the latest version is not served
        // stale from memory; the call goes to the server, which is not there.
        #expect(
            await eventually {
                do {
                    _ = try await client.cached.schemaVersion(
                        Self.latest, options: .init(timeout: .seconds(2), maxRetries: 0))
                    return false
                } catch {
                    return true
                }
            })
        #expect((client.cacheStatistics?.mutableBypassed ?? 0) > 0)
        // Schemas by id are immutable: still there.
        #expect(try await client.cached.schema(id: id).id == id)
        await client.close()
    }

    @Test func schemasByIdAreBoundedByBytes() async throws {
        try await withServer { server in
            let writer = server.client()
            var ids: [UInt32] = []
            for index in 0..<40 { ids.append(try await Self.register(writer, "s\(index)", fields: index + 1)) }
            let client = Self.caching(server, schemaBytes: 8 * 1024)
            for id in ids { _ = try await client.cached.schema(id: id) }
            let statistics = try #require(client.cacheStatistics)
            #expect(statistics.bytes <= 8 * 1024)
            #expect(statistics.entries < 40)
            // The newest stay; the first were evicted and are fetched again.
            _ = try await client.cached.schema(id: ids.last!)
            _ = try await client.cached.schema(id: ids.first!)
            #expect(client.cacheStatistics?.schemaHits == 1)
        }
    }

    @Test func withoutACacheLookupsArePlainCalls() async throws {
        try await withServer { server in
            let client = server.client()
            let id = try await Self.register(client, "orders", fields: 1)
            #expect(try await client.cached.schema(id: id).id == id)
            #expect(client.cacheStatistics == nil)
        }
    }
}
