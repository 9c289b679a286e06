import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

@Suite struct SubjectsAndSearchConformance {
    @Test(arguments: StoreFactory.all) func subjectsArePagedInAscendingOrder(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            for subject in ["c", "a", "e", "b", "d"] {
                try await register(store, subject, record(subject))
            }
            try await register(store, "a", record("a2"))  // a second version lists "a" once
            #expect(try await store.subjects(prefix: "", includeDeleted: false, after: nil, limit: 2) == ["a", "b"])
            #expect(try await store.subjects(prefix: "", includeDeleted: false, after: "b", limit: 2) == ["c", "d"])
            #expect(try await store.subjects(prefix: "", includeDeleted: false, after: "d", limit: 2) == ["e"])
            #expect(try await store.subjects(prefix: "", includeDeleted: false, after: "e", limit: 2).isEmpty)
            #expect(try await store.subjects(prefix: "", includeDeleted: false, after: "bb", limit: 1) == ["c"])
            #expect(try await store.subjects(prefix: "", includeDeleted: false, after: nil, limit: 0).isEmpty)
        }
    }

    @Test(arguments: StoreFactory.all) func subjectPrefixIsMatchedLiterally(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            let subjects = [
                "100%", "100%-value", "1000", "a_b", "a_b-value", "axb", "orders", "orders-value", "order",
                "\u{e9}t\u{e9}", "\u{e9}t\u{e9}-\u{1F600}", "\u{e9}u",
            ]
            for subject in subjects {
                try await register(store, subject, record(subject))
            }
            func list(_ prefix: String, after: String? = nil) async throws -> [String] {
                try await store.subjects(prefix: prefix, includeDeleted: false, after: after, limit: 100)
            }
            #expect(try await list("100%") == ["100%", "100%-value"])
            #expect(try await list("a_") == ["a_b", "a_b-value"])
            #expect(try await list("%").isEmpty)
            #expect(try await list("_").isEmpty)
            #expect(try await list("orders") == ["orders", "orders-value"])
            #expect(try await list("orders", after: "orders") == ["orders-value"])
            #expect(try await list("order") == ["order", "orders", "orders-value"])
            #expect(try await list("\u{e9}t") == ["\u{e9}t\u{e9}", "\u{e9}t\u{e9}-\u{1F600}"])
            #expect(try await list("zzz").isEmpty)
            #expect(try await list("").count == subjects.count)
        }
    }

    /// orders v1 (A, owner a, tag pii), v2 (B, owner b), v3 (C, owner a, tags pii+gold, soft-deleted);
    /// payments v1 (D, owner a, tag pii).
    private func seed(_ store: any SchemaStore) async throws {
        try await register(store, "orders", record("Alpha"), metadata: ["owner": "a"], tags: ["pii"])
        try await register(store, "orders", record("Beta"), metadata: ["owner": "b", "tier": "1"])
        try await register(store, "orders", record("Gamma"), metadata: ["owner": "a"], tags: ["pii", "gold"])
        try await register(store, "payments", record("Delta"), metadata: ["owner": "a"], tags: ["pii"])
        _ = try await store.softDelete(subject: "orders", versions: [3])
    }

    private func keys(_ records: [VersionRecord]) -> [String] {
        records.map { "\($0.subject):\($0.version)" }
    }

    @Test(arguments: StoreFactory.all) func searchFiltersByPrefixMetadataTagsAndText(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            try await seed(store)
            #expect(keys(try await store.search(SearchQuery())) == ["orders:1", "orders:2", "payments:1"])
            #expect(keys(try await store.search(SearchQuery(includeDeleted: true))).count == 4)
            #expect(keys(try await store.search(SearchQuery(subjectPrefix: "pay"))) == ["payments:1"])
            #expect(keys(try await store.search(SearchQuery(metadata: ["owner": "a"]))) == ["orders:1", "payments:1"])
            let both = SearchQuery(metadata: ["owner": "b", "tier": "1"])
            #expect(keys(try await store.search(both)) == ["orders:2"])
            #expect(try await store.search(SearchQuery(metadata: ["owner": "b", "tier": "2"])).isEmpty)
            #expect(keys(try await store.search(SearchQuery(tags: ["pii"]))) == ["orders:1", "payments:1"])
            let gold = SearchQuery(tags: ["pii", "gold"], includeDeleted: true)
            #expect(keys(try await store.search(gold)) == ["orders:3"])
            #expect(keys(try await store.search(SearchQuery(text: "\"Beta\""))) == ["orders:2"])
            #expect(keys(try await store.search(SearchQuery(text: "%"))).isEmpty)
            #expect(keys(try await store.search(SearchQuery(text: "record"))).count == 3)
        }
    }

    @Test(arguments: StoreFactory.all) func searchLatestOnly(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            try await seed(store)
            #expect(keys(try await store.search(SearchQuery(latestOnly: true))) == ["orders:2", "payments:1"])
            let withDeleted = SearchQuery(includeDeleted: true, latestOnly: true)
            #expect(keys(try await store.search(withDeleted)) == ["orders:3", "payments:1"])
            // Latest of the subject, then filtered: orders' latest live version has owner b.
            let ownerA = SearchQuery(metadata: ["owner": "a"], latestOnly: true)
            #expect(keys(try await store.search(ownerA)) == ["payments:1"])
        }
    }

    @Test(arguments: StoreFactory.all) func searchPaging(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            try await seed(store)
            var query = SearchQuery(includeDeleted: true, limit: 3)
            let first = try await store.search(query)
            #expect(keys(first) == ["orders:1", "orders:2", "orders:3"])
            query.after = SubjectVersion(subject: "orders", version: 3)
            #expect(keys(try await store.search(query)) == ["payments:1"])
            query.after = SubjectVersion(subject: "orders", version: 1)
            query.limit = 1
            #expect(keys(try await store.search(query)) == ["orders:2"])
            // The limit counts matches, not rows read.
            let owned = SearchQuery(metadata: ["owner": "a"], includeDeleted: true, limit: 2)
            #expect(keys(try await store.search(owned)) == ["orders:1", "orders:3"])
            #expect(try await store.search(SearchQuery(limit: 0)).isEmpty)
        }
    }
}
