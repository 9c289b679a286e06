import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

@Suite struct ConcurrencyConformance {
    @Test(arguments: StoreFactory.all) func concurrentDistinctRegistrationsGetContiguousVersions(
        _ factory: StoreFactory
    ) async throws {
        try await withStore(factory) { store, _ async throws in
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

    @Test(arguments: StoreFactory.all) func concurrentIdenticalRegistrationsGetOneIDAndOneVersion(
        _ factory: StoreFactory
    ) async throws {
        try await withStore(factory) { store, _ async throws in
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

    @Test(arguments: StoreFactory.all) func readsRunBesideWritesAndSeeCommittedData(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
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

@Suite struct CrossSubjectConformance {
    @Test(arguments: StoreFactory.all) func sameSchemaUnderTwoSubjectsConcurrentlyGetsOneID(
        _ factory: StoreFactory
    ) async throws {
        try await withStore(factory) { store, _ async throws in
            for round in 0..<8 {
                let outcomes = try await withThrowingTaskGroup(of: RegistrationOutcome.self) { group in
                    for subject in ["left-\(round)", "right-\(round)", "third-\(round)"] {
                        group.addTask { try await register(store, subject, record("Shared\(round)")) }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(Set(outcomes.compactMap(\.id)).count == 1)
                #expect(outcomes.compactMap(\.version) == [1, 1, 1])
            }
            #expect(try await store.counts() == StoreCounts(schemas: 8, subjects: 24))
        }
    }

    /// Two instances on one database (two registry processes): registrations still serialise.
    @Test(arguments: StoreFactory.all.filter { $0.name == "postgres" })
    func twoInstancesSerialiseRegistrations(_ factory: StoreFactory) async throws {
        try await withStore(factory) { first, opened async throws in
            let second = try await opened.reopen()
            let stores = [first, second]
            let outcomes = try await withThrowingTaskGroup(of: RegistrationOutcome.self) { group in
                for index in 0..<32 {
                    let store = stores[index % 2]
                    group.addTask { try await register(store, "orders", record("R\(index)")) }
                    group.addTask { try await register(store, "shared-\(index % 4)", record("Same")) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let versions = outcomes.filter { $0.id != nil }
            #expect(versions.count == 64)
            let stored = try await second.versions(subject: "orders", includeDeleted: true)
            #expect(stored.map(\.version) == Array(1...32))
            let sameIDs = Set(
                try await (0..<4).asyncMap { try await second.versions(subject: "shared-\($0)", includeDeleted: true) }
                    .flatMap { $0 }.map(\.schema.id))
            #expect(sameIDs.count == 1)
            try await second.close()
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
