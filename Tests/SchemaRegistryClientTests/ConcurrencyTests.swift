import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

@Suite("Many calls, many connections")
struct ConcurrencyTests {
    /// 10,000 concurrent calls on one connection. Cached reads are answered inline while
    /// registrations and misses go through the store, so answers return out of order; each
    /// must still carry the schema its own request asked for.
    @Test func tenThousandConcurrentCallsOnOneConnection() async throws {
        try await withServer { server in
            let client = server.client()
            defer { Task { await client.close() } }
            var ids: [UInt32] = []
            for index in 0..<50 {
                let registered = try await client.registerSchema(
                    .with {
                        $0.subject = "subject-\(index)"
                        $0.schema = avroRecord("R\(index)", seed: index)
                    })
                ids.append(registered.id)
            }
            let idList = ids
            let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
                for call in 0..<10_000 {
                    group.addTask {
                        if call % 10 == 0 {
                            // A slower call interleaved with the cached ones.
                            let versions = try await client.listVersions(.with { $0.subject = "subject-\(call % 50)" })
                            return versions.versions == [1] ? 0 : 1
                        }
                        let id = idList[call % idList.count]
                        let answer = try await client.getSchemaById(.with { $0.id = id })
                        let index = call % idList.count
                        return answer.schema.id == id && answer.schema.schema.contains("\"R\(index)\"") ? 0 : 1
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(mismatches == 0)
        }
    }

    @Test func twoHundredConnectionsAtOnce() async throws {
        try await withServer { server in
            let setup = server.client()
            let registered = try await setup.registerSchema(
                .with {
                    $0.subject = "shared"
                    $0.schema = avroRecord("Shared")
                })
            await setup.close()
            let clients = (0..<200).map { _ in server.client() }
            let answered = try await withThrowingTaskGroup(of: Int.self) { group in
                for client in clients {
                    group.addTask {
                        var count = 0
                        for _ in 0..<5 {
                            let answer = try await client.getSchemaById(.with { $0.id = registered.id })
                            if answer.schema.id == registered.id { count += 1 }
                        }
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
            #expect(answered == 1000)
            for client in clients { await client.close() }
        }
    }

    /// Registrations of distinct schemas racing on one subject get contiguous versions.
    @Test func concurrentRegistrationsGetContiguousVersions() async throws {
        try await withServer { server in
            let client = server.client()
            defer { Task { await client.close() } }
            let versions = try await withThrowingTaskGroup(of: Int32.self) { group in
                for index in 0..<64 {
                    group.addTask {
                        try await client.registerSchema(
                            .with {
                                $0.subject = "racing"
                                $0.schema = avroRecord("Race", seed: index)
                            }
                        ).version
                    }
                }
                return try await group.reduce(into: [Int32]()) { $0.append($1) }
            }
            #expect(versions.sorted() == Array(1...64))

            let ids = try await withThrowingTaskGroup(of: UInt32.self) { group in
                for _ in 0..<32 {
                    group.addTask {
                        try await client.registerSchema(
                            .with {
                                $0.subject = "same"
                                $0.schema = avroRecord("Same")
                            }
                        ).id
                    }
                }
                return try await group.reduce(into: Set<UInt32>()) { $0.insert($1) }
            }
            #expect(ids.count == 1)
        }
    }
}
