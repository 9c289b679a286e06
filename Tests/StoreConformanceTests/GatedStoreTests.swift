import SchemaRegistryCore
import SchemaRegistryTesting
import TestSupport
import Testing

/// The gate the server tests use to make a request slow on purpose: it must hold exactly the
/// calls it was told to, and nothing else.
@Suite struct GatedStoreTests {
    @Test func aHeldCallWaitsUntilTheGateOpensAndOtherCallsPass() async throws {
        let gate = StoreGate(holding: [.register])
        let store = GatedStore(InMemoryStore(), gate: gate)
        let registration = Task { try await register(store, "orders", record("A")) }
        #expect(await gate.waitUntilHeld())
        // Reads and settings pass while the write waits, and the write has not happened.
        #expect(try await store.versions(subject: "orders", includeDeleted: true).isEmpty)
        try await store.setMode(.readWrite, subject: nil)
        #expect(try await store.mode(subject: nil) == .readWrite)
        gate.open()
        #expect(try await registration.value == .registered(id: 1, version: 1))
        // Open for good: later calls pass at once.
        #expect(try await register(store, "orders", record("B")) == .registered(id: 2, version: 2))
        #expect(gate.heldCount == 1)
        try await store.close()
    }

    @Test func closingOpensTheGateSoNoCallWaitsForever() async throws {
        let gate = StoreGate(holding: [.read])
        let store = GatedStore(InMemoryStore(), gate: gate)
        let read = Task { try await store.schema(id: 1) }
        #expect(await gate.waitUntilHeld())
        try await store.close()
        // The held read goes on to the closed store, which refuses it.
        await #expect(throws: RegistryError.self) { try await read.value }
    }
}
