import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

@Suite struct SchemaReadConformance {
    @Test(arguments: StoreFactory.all) func referencesAndReferencingSchemaIDs(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            try await register(store, "base", record("Base"))
            try await register(store, "base", record("Base2"))
            let first = SchemaReference(name: "com.example.Base", subject: "base", version: 1)
            let second = SchemaReference(name: "com.example.Base2", subject: "base", version: 2)
            try await register(store, "orders", record("A"), references: [first, second])
            try await register(store, "payments", record("P"), references: [first])
            try await register(store, "refunds", record("P"), references: [first])  // same schema, id 4

            #expect(try await store.schema(id: 3)?.references == [first, second])
            #expect(try await store.referencingSchemaIDs(subject: "base", version: 1) == [3, 4])
            #expect(try await store.referencingSchemaIDs(subject: "base", version: 2) == [3])
            #expect(try await store.referencingSchemaIDs(subject: "orders", version: 1).isEmpty)
            let users = try await store.subjectVersions(usingSchema: 4, includeDeleted: false)
            #expect(
                users == [
                    SubjectVersion(subject: "payments", version: 1), SubjectVersion(subject: "refunds", version: 1),
                ])
            _ = try await store.softDelete(subject: "payments", versions: [1])
            #expect(
                try await store.subjectVersions(usingSchema: 4, includeDeleted: false).map(\.subject) == ["refunds"])
            #expect(try await store.subjectVersions(usingSchema: 4, includeDeleted: true).count == 2)
        }
    }

    @Test(arguments: StoreFactory.all) func schemasByIDsAndRecentIDs(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            for name in ["A", "B", "C", "D"] {
                try await register(store, "orders", record(name))
            }
            let found = try await store.schemas(ids: [4, 2, 99, 2])
            #expect(found.map(\.id).sorted() == [2, 4])
            #expect(found.first { $0.id == 2 }?.text == record("B"))
            #expect(try await store.schemas(ids: []).isEmpty)
            #expect(try await store.schema(id: 99) == nil)
            #expect(try await store.recentSchemaIDs(limit: 3) == [4, 3, 2])
            #expect(try await store.recentSchemaIDs(limit: 0).isEmpty)
        }
    }

    @Test(arguments: StoreFactory.all) func textSurvivesUnchanged(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            // PostgreSQL text cannot hold NUL (a documented limit of that store); SQLite keeps it.
            let nul = factory.name.hasPrefix("sqlite") ? "nul:\u{0}end" : "end"
            let text = "{\"doc\":\"caf\u{e9} \u{1F600} \\\"quoted\\\" / \(nul)\"}"
            let outcome = try await register(store, "unicode-\u{e9}", text, metadata: ["k\u{e9}y": "v/\u{1F600}"])
            let stored = try #require(try await store.version(subject: "unicode-\u{e9}", version: 1))
            #expect(stored.schema.text == text)
            #expect(stored.metadata == ["k\u{e9}y": "v/\u{1F600}"])
            #expect(try await register(store, "unicode-\u{e9}", text) == .existing(id: outcome.id!, version: 1))
        }
    }
}
