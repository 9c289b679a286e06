import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

@Suite struct RegisterConformance {
    /// What a registration reads: the live match, the newest version number (soft-deleted ones
    /// count) and the newest live version, all without reading the history.
    @Test(arguments: StoreFactory.all) func registrationViewSeesMatchNewestAndNewestLive(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            let empty = try await store.registrationView(subject: "orders", matching: avro(record("A")))
            #expect(empty.match == nil && empty.newestVersion == 0 && empty.newestLive == nil)
            for name in ["A", "B", "C"] { try await register(store, "orders", record(name)) }
            _ = try await store.softDelete(subject: "orders", versions: [3])
            let view = try await store.registrationView(subject: "orders", matching: avro(record("A")))
            #expect(view.match?.version == 1)
            #expect(view.newestVersion == 3)
            #expect(view.newestLive?.version == 2 && view.newestLive?.schema.text == record("B"))
            // A soft-deleted version is no match: registering it again makes a new version.
            let deleted = try await store.registrationView(subject: "orders", matching: avro(record("C")))
            #expect(deleted.match == nil)
        }
    }

    @Test(arguments: StoreFactory.all) func registersANewSchemaAsIDOneVersionOne(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            #expect(store.kind == factory.name)
            #expect(try await register(store, "orders", record("A")) == .registered(id: 1, version: 1))
        }
    }

    @Test(arguments: StoreFactory.all) func sameSchemaUnderSameSubjectIsExisting(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            try await register(store, "orders", record("A"))
            #expect(try await register(store, "orders", record("A")) == .existing(id: 1, version: 1))
            #expect(try await store.versions(subject: "orders", includeDeleted: true).count == 1)
        }
    }

    @Test(arguments: StoreFactory.all) func sameSchemaUnderOtherSubjectReusesTheID(_ factory: StoreFactory) async throws
    {
        try await withStore(factory) { store, _ async throws in
            try await register(store, "orders", record("A"))
            #expect(try await register(store, "payments", record("A")) == .registered(id: 1, version: 1))
            #expect(try await store.counts() == StoreCounts(schemas: 1, subjects: 2))
        }
    }

    @Test(arguments: StoreFactory.all) func distinctSchemasGetContiguousVersions(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            for (index, name) in ["A", "B", "C"].enumerated() {
                #expect(
                    try await register(store, "orders", record(name)) == .registered(id: index + 1, version: index + 1))
            }
            let versions = try await store.versions(subject: "orders", includeDeleted: false)
            #expect(versions.map(\.version) == [1, 2, 3])
            #expect(versions.map(\.schema.text) == [record("A"), record("B"), record("C")])
        }
    }

    @Test(arguments: StoreFactory.all) func referencesArePartOfIdentity(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            try await register(store, "base", record("Base"))
            let reference = SchemaReference(name: "Base", subject: "base", version: 1)
            let plain = try await register(store, "orders", record("A"))
            let referencing = try await register(store, "orders", record("A"), references: [reference])
            #expect(plain == .registered(id: 2, version: 1))
            #expect(referencing == .registered(id: 3, version: 2))
            #expect(try await store.schema(id: 3)?.references == [reference])
            // Type is part of identity too.
            let json = RegistrationWrite(
                subject: "orders", schema: SchemaIdentity(type: .json, canonicalText: record("A"), references: []))
            #expect(try await store.register(json) == .registered(id: 4, version: 3))
        }
    }

    @Test(arguments: StoreFactory.all) func expectedLatestVersionMismatchIsAConflict(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            let first = RegistrationWrite(subject: "orders", schema: avro(record("A")), expectedLatestVersion: 0)
            #expect(try await store.register(first) == .registered(id: 1, version: 1))
            let stale = RegistrationWrite(subject: "orders", schema: avro(record("B")), expectedLatestVersion: 0)
            #expect(try await store.register(stale) == .conflict(actualLatestVersion: 1))
            let current = RegistrationWrite(subject: "orders", schema: avro(record("B")), expectedLatestVersion: 1)
            #expect(try await store.register(current) == .registered(id: 2, version: 2))
            // An identical live schema is found before the check.
            let again = RegistrationWrite(subject: "orders", schema: avro(record("A")), expectedLatestVersion: 7)
            #expect(try await store.register(again) == .existing(id: 1, version: 1))
        }
    }

    @Test(arguments: StoreFactory.all) func metadataAndTagsAreStored(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            try await register(
                store, "orders", record("A"), metadata: ["owner": "team-a", "pii": "no"], tags: ["x", "y"])
            let stored = try #require(try await store.version(subject: "orders", version: 1))
            #expect(stored.metadata == ["owner": "team-a", "pii": "no"])
            #expect(stored.tags == ["x", "y"])
            #expect(stored.deleted == false)
            #expect(stored.schema == StoredSchema(id: 1, type: .avro, text: record("A"), references: []))
            #expect(try await store.version(subject: "orders", version: 2) == nil)
        }
    }

    @Test(arguments: StoreFactory.all) func versionMatchingFindsTheNewestIdenticalVersion(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            try await register(store, "orders", record("A"))
            try await register(store, "orders", record("B"))
            #expect(try await store.softDelete(subject: "orders", versions: [1]) == [1])
            // Soft-deleted: not live any more, so registering again adds a version with the same id.
            #expect(try await register(store, "orders", record("A")) == .registered(id: 1, version: 3))
            let live = try await store.version(subject: "orders", matching: avro(record("A")), includeDeleted: false)
            #expect(live?.version == 3)
            #expect(try await store.softDelete(subject: "orders", versions: [3]) == [3])
            #expect(
                try await store.version(subject: "orders", matching: avro(record("A")), includeDeleted: false) == nil)
            let any = try await store.version(subject: "orders", matching: avro(record("A")), includeDeleted: true)
            #expect(any?.version == 3)
            #expect(any?.deleted == true)
        }
    }

    @Test(arguments: StoreFactory.all) func importIDIsUsedAndRaisesTheHighWaterMark(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            let imported = RegistrationWrite(subject: "orders", schema: avro(record("A")), importID: 100)
            #expect(try await store.register(imported) == .registered(id: 100, version: 1))
            #expect(try await register(store, "orders", record("B")) == .registered(id: 101, version: 2))
        }
    }

    @Test(arguments: StoreFactory.all) func importIDHoldingAnotherSchemaIsAnIDConflict(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            try await register(store, "orders", record("A"))
            let clash = RegistrationWrite(subject: "payments", schema: avro(record("B")), importID: 1)
            let error = await #expect(throws: RegistryError.self) { try await store.register(clash) }
            #expect(error?.code == .idConflict)
            // The same schema under another id is refused too: an import must keep its ids.
            let moved = RegistrationWrite(subject: "payments", schema: avro(record("A")), importID: 5)
            let movedError = await #expect(throws: RegistryError.self) { try await store.register(moved) }
            #expect(movedError?.code == .idConflict)
            // Nothing was written by the refused registrations.
            #expect(try await store.versions(subject: "payments", includeDeleted: true).isEmpty)
            // The matching id is fine.
            let same = RegistrationWrite(subject: "payments", schema: avro(record("A")), importID: 1)
            #expect(try await store.register(same) == .registered(id: 1, version: 1))
        }
    }

    @Test(arguments: StoreFactory.all) func importVersionIsUsedAndAnExistingOneIsRefused(_ factory: StoreFactory)
        async throws
    {
        try await withStore(factory) { store, _ async throws in
            let five = RegistrationWrite(subject: "orders", schema: avro(record("A")), importID: 10, importVersion: 5)
            #expect(try await store.register(five) == .registered(id: 10, version: 5))
            #expect(try await register(store, "orders", record("B")) == .registered(id: 11, version: 6))
            let taken = RegistrationWrite(subject: "orders", schema: avro(record("C")), importVersion: 5)
            let error = await #expect(throws: RegistryError.self) { try await store.register(taken) }
            #expect(error?.code == .invalidVersion)
            let zero = RegistrationWrite(subject: "orders", schema: avro(record("C")), importVersion: 0)
            let zeroError = await #expect(throws: RegistryError.self) { try await store.register(zero) }
            #expect(zeroError?.code == .invalidVersion)
            #expect(try await store.counts().schemas == 2)
        }
    }
}
