import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

@Suite struct SettingsConformance {
    @Test(arguments: StoreFactory.all) func compatibilityGlobalAndPerSubject(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            #expect(try await store.compatibility(subject: nil) == nil)
            try await store.setCompatibility(.backward, subject: nil)
            try await store.setCompatibility(.full, subject: "orders")
            #expect(try await store.compatibility(subject: nil) == .backward)
            #expect(try await store.compatibility(subject: "orders") == .full)
            #expect(try await store.compatibility(subject: "payments") == nil)
            try await store.setCompatibility(.none, subject: "orders")
            #expect(try await store.compatibility(subject: "orders") == CompatibilityLevel.none)
            #expect(try await store.deleteCompatibility(subject: "orders") == CompatibilityLevel.none)
            #expect(try await store.deleteCompatibility(subject: "orders") == nil)
            #expect(try await store.compatibility(subject: "orders") == nil)
            #expect(try await store.compatibility(subject: nil) == .backward)
            #expect(try await store.deleteCompatibility(subject: nil) == .backward)
            #expect(try await store.compatibility(subject: nil) == nil)
        }
    }

    @Test(arguments: StoreFactory.all) func modeGlobalAndPerSubject(_ factory: StoreFactory) async throws {
        try await withStore(factory) { store, _ async throws in
            #expect(try await store.mode(subject: nil) == nil)
            try await store.setMode(.readWrite, subject: nil)
            try await store.setMode(.import, subject: "orders")
            #expect(try await store.mode(subject: nil) == .readWrite)
            #expect(try await store.mode(subject: "orders") == .import)
            try await store.setMode(.readOnly, subject: nil)
            #expect(try await store.mode(subject: nil) == .readOnly)
            #expect(try await store.deleteMode(subject: "orders") == .import)
            #expect(try await store.deleteMode(subject: "orders") == nil)
            #expect(try await store.mode(subject: "orders") == nil)
            #expect(try await store.deleteMode(subject: nil) == .readOnly)
            #expect(try await store.mode(subject: nil) == nil)
        }
    }
}
