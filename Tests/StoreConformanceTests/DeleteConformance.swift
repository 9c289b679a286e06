import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

@Suite struct DeleteConformance {
    @Test(arguments: StoreFactory.all) func softDeleteHidesVersionsAndReturnsOnlyChangedOnes(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            try await register(store, "orders", record("A"))
            try await register(store, "orders", record("B"))
            try await register(store, "payments", record("C"))
            #expect(try await store.softDelete(subject: "orders", versions: [1, 9]) == [1])
            #expect(try await store.softDelete(subject: "orders", versions: [1, 2]) == [2])
            #expect(try await store.versions(subject: "orders", includeDeleted: false).isEmpty)
            let all = try await store.versions(subject: "orders", includeDeleted: true)
            #expect(all.map(\.version) == [1, 2])
            #expect(all.map(\.deleted) == [true, true])
            #expect(try await store.subjects(prefix: "", includeDeleted: false, after: nil, limit: 10) == ["payments"])
            let withDeleted = try await store.subjects(prefix: "", includeDeleted: true, after: nil, limit: 10)
            #expect(withDeleted == ["orders", "payments"])
            #expect(try await store.counts() == StoreCounts(schemas: 3, subjects: 1))
        }
    }

    @Test(arguments: StoreFactory.all) func softDeletedVersionsCountTowardsTheHighest(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            try await register(store, "orders", record("A"))
            try await register(store, "orders", record("B"))
            _ = try await store.softDelete(subject: "orders", versions: [2])
            let stale = RegistrationWrite(subject: "orders", schema: avro(record("C")), expectedLatestVersion: 1)
            #expect(try await store.register(stale) == .conflict(actualLatestVersion: 2))
            #expect(try await register(store, "orders", record("C")) == .registered(id: 3, version: 3))
        }
    }

    @Test(arguments: StoreFactory.all) func permanentDeleteRemovesVersionsAndOrphanSchemas(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            try await register(store, "orders", record("A"))  // id 1, only here
            try await register(store, "orders", record("Shared"))  // id 2, also under payments
            try await register(store, "payments", record("Shared"))
            _ = try await store.softDelete(subject: "orders", versions: [1, 2])
            #expect(try await store.permanentlyDelete(subject: "orders", versions: [1, 2, 3]) == [1, 2])
            #expect(try await store.versions(subject: "orders", includeDeleted: true).isEmpty)
            #expect(try await store.schema(id: 1) == nil)
            #expect(try await store.schema(id: 2)?.text == record("Shared"))
            #expect(try await store.subjects(prefix: "", includeDeleted: true, after: nil, limit: 10) == ["payments"])
            #expect(try await store.counts() == StoreCounts(schemas: 1, subjects: 1))
            // Permanently deleted versions no longer count: the subject starts again at 1.
            #expect(try await register(store, "orders", record("B")) == .registered(id: 3, version: 1))
        }
    }

    @Test(arguments: StoreFactory.all) func idsAreNotReusedAfterPermanentDelete(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, opened async throws in
            try await register(store, "orders", record("A"))
            try await register(store, "orders", record("B"))
            _ = try await store.softDelete(subject: "orders", versions: [2])
            #expect(try await store.permanentlyDelete(subject: "orders", versions: [2]) == [2])
            #expect(try await store.schema(id: 2) == nil)
            #expect(try await register(store, "orders", record("C")) == .registered(id: 3, version: 2))
            // Re-registering the deleted schema gives it a new id as well.
            #expect(try await register(store, "orders", record("B")) == .registered(id: 4, version: 3))
            _ = try await store.softDelete(subject: "orders", versions: [3])
            _ = try await store.permanentlyDelete(subject: "orders", versions: [3])
            try await store.close()

            // The high-water mark is in the database, not in memory.
            let reopened = try await opened.reopen()
            #expect(try await register(reopened, "orders", record("D")) == .registered(id: 5, version: 3))
            try await reopened.close()
        }
    }

    @Test(arguments: StoreFactory.all) func permanentDeleteRemovesTheReferencesOfOrphanSchemas(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            try await register(store, "base", record("Base"))
            let reference = SchemaReference(name: "Base", subject: "base", version: 1)
            try await register(store, "orders", record("A"), references: [reference])
            #expect(try await store.referencingSchemaIDs(subject: "base", version: 1) == [2])
            _ = try await store.softDelete(subject: "orders", versions: [1])
            _ = try await store.permanentlyDelete(subject: "orders", versions: [1])
            #expect(try await store.referencingSchemaIDs(subject: "base", version: 1).isEmpty)
        }
    }
}
