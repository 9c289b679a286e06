import SchemaRegistryCore
import Testing

@testable import SQLiteStore

@Suite struct ConcurrencyTests {
    @Test func concurrentDistinctRegistrationsGetContiguousVersions() async throws {
        try await withStore { store, _ async throws in
            let outcomes = try await withThrowingTaskGroup(of: RegistrationOutcome.self) { group in
                for index in 0..<64 {
                    group.addTask { try await register(store, "orders", record("R\(index)")) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.count == 64)
            #expect(outcomes.compactMap(\.version).sorted() == Array(1...64))
            #expect(Set(outcomes.compactMap(\.id)).count == 64)
            let stored = try await store.versions(subject: "orders", includeDeleted: true)
            #expect(stored.map(\.version) == Array(1...64))
            #expect(Set(stored.map(\.schema.text)).count == 64)
        }
    }

    @Test func concurrentIdenticalRegistrationsGetOneIDAndOneVersion() async throws {
        try await withStore { store, _ async throws in
            let outcomes = try await withThrowingTaskGroup(of: RegistrationOutcome.self) { group in
                for _ in 0..<32 {
                    group.addTask { try await register(store, "orders", record("Same")) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 == .registered(id: 1, version: 1) }.count == 1)
            #expect(outcomes.filter { $0 == .existing(id: 1, version: 1) }.count == 31)
            #expect(try await store.counts() == StoreCounts(schemas: 1, subjects: 1))
        }
    }

    @Test func readsRunBesideWritesAndSeeCommittedData() async throws {
        try await withStore { store, _ async throws in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<16 {
                    group.addTask {
                        let outcome = try await register(store, "subject-\(index)", record("S\(index)"))
                        // A write that returned is visible to the next read, whichever reader serves it.
                        let id = try #require(outcome.id)
                        #expect(try await store.schema(id: id)?.text == record("S\(index)"))
                        #expect(try await store.version(subject: "subject-\(index)", version: 1) != nil)
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await store.counts() == StoreCounts(schemas: 16, subjects: 16))
        }
    }
}
