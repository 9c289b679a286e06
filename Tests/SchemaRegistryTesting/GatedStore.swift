import SchemaRegistryCore
import Synchronization
import TestSupport

/// The store operations a ``StoreGate`` can hold.
public enum StoreOperation: String, Sendable, Hashable, CaseIterable {
    /// `register(_:)`: the write of a registration (its reads come before it).
    case register
    case softDelete
    case permanentlyDelete
    /// Every read of schemas, versions, subjects and search.
    case read
    /// Compatibility and mode reads and writes.
    case settings
}

/// Makes chosen store calls wait until the test opens the gate: a slow request on purpose,
/// deterministic, with no lock on a real database and no sleep in the server.
///
///     let gate = StoreGate(holding: [.register])
///     let server = try await TestServer.start(store: GatedStore(InMemoryStore(), gate: gate))
///     // ... send a request; await gate.waitUntilHeld(); expect what a slow store causes ...
///     gate.open()
public final class StoreGate: Sendable {
    private struct State {
        var isOpen = false
        var held = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    public let operations: Set<StoreOperation>
    private let state = Mutex(State())

    public init(holding operations: Set<StoreOperation>) {
        self.operations = operations
    }

    /// How many calls reached the gate while it was shut (including ones since released).
    public var heldCount: Int { state.withLock { $0.held } }

    /// Waits until `count` calls have reached the shut gate (false after a generous bound).
    @discardableResult
    public func waitUntilHeld(count: Int = 1) async -> Bool {
        await eventually(every: .milliseconds(5)) { self.heldCount >= count }
    }

    /// Releases every waiting call; later calls pass at once.
    public func open() {
        let waiting = state.withLock { state in
            state.isOpen = true
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Returns at once for an operation the gate does not hold, or once it is open.
    func pass(_ operation: StoreOperation) async {
        guard operations.contains(operation) else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                if state.isOpen { return true }
                state.held += 1
                state.waiting.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}

/// A store whose calls pass a ``StoreGate`` first; otherwise the wrapped store's.
public final class GatedStore: SchemaStore, APIKeyStore, Sendable {
    public let store: any SchemaStore
    public let gate: StoreGate

    public init(_ store: any SchemaStore, gate: StoreGate) {
        self.store = store
        self.gate = gate
    }

    public var kind: String { store.kind }

    public func schema(id: SchemaID) async throws -> StoredSchema? {
        await gate.pass(.read)
        return try await store.schema(id: id)
    }

    public func schemas(ids: [SchemaID]) async throws -> [StoredSchema] {
        await gate.pass(.read)
        return try await store.schemas(ids: ids)
    }

    public func subjectVersions(usingSchema id: SchemaID, includeDeleted: Bool) async throws -> [SubjectVersion] {
        await gate.pass(.read)
        return try await store.subjectVersions(usingSchema: id, includeDeleted: includeDeleted)
    }

    public func recentSchemaIDs(limit: Int) async throws -> [SchemaID] {
        await gate.pass(.read)
        return try await store.recentSchemaIDs(limit: limit)
    }

    public func version(subject: String, version: Int) async throws -> VersionRecord? {
        await gate.pass(.read)
        return try await store.version(subject: subject, version: version)
    }

    public func versions(subject: String, includeDeleted: Bool) async throws -> [VersionRecord] {
        await gate.pass(.read)
        return try await store.versions(subject: subject, includeDeleted: includeDeleted)
    }

    public func version(
        subject: String, matching schema: SchemaIdentity, includeDeleted: Bool
    ) async throws -> VersionRecord? {
        await gate.pass(.read)
        return try await store.version(subject: subject, matching: schema, includeDeleted: includeDeleted)
    }

    public func registrationView(subject: String, matching schema: SchemaIdentity) async throws -> RegistrationView {
        await gate.pass(.read)
        return try await store.registrationView(subject: subject, matching: schema)
    }

    public func subjects(prefix: String, includeDeleted: Bool, after: String?, limit: Int) async throws -> [String] {
        await gate.pass(.read)
        return try await store.subjects(prefix: prefix, includeDeleted: includeDeleted, after: after, limit: limit)
    }

    public func search(_ query: SearchQuery) async throws -> [VersionRecord] {
        await gate.pass(.read)
        return try await store.search(query)
    }

    public func register(_ write: RegistrationWrite) async throws -> RegistrationOutcome {
        await gate.pass(.register)
        return try await store.register(write)
    }

    public func softDelete(subject: String, versions: [Int]) async throws -> [Int] {
        await gate.pass(.softDelete)
        return try await store.softDelete(subject: subject, versions: versions)
    }

    public func permanentlyDelete(subject: String, versions: [Int]) async throws -> [Int] {
        await gate.pass(.permanentlyDelete)
        return try await store.permanentlyDelete(subject: subject, versions: versions)
    }

    public func referencingSchemaIDs(subject: String, version: Int) async throws -> [SchemaID] {
        await gate.pass(.read)
        return try await store.referencingSchemaIDs(subject: subject, version: version)
    }

    public func compatibility(subject: String?) async throws -> CompatibilityLevel? {
        await gate.pass(.settings)
        return try await store.compatibility(subject: subject)
    }

    public func setCompatibility(_ level: CompatibilityLevel, subject: String?) async throws {
        await gate.pass(.settings)
        try await store.setCompatibility(level, subject: subject)
    }

    public func deleteCompatibility(subject: String?) async throws -> CompatibilityLevel? {
        await gate.pass(.settings)
        return try await store.deleteCompatibility(subject: subject)
    }

    public func mode(subject: String?) async throws -> RegistryMode? {
        await gate.pass(.settings)
        return try await store.mode(subject: subject)
    }

    public func setMode(_ mode: RegistryMode, subject: String?) async throws {
        await gate.pass(.settings)
        try await store.setMode(mode, subject: subject)
    }

    public func deleteMode(subject: String?) async throws -> RegistryMode? {
        await gate.pass(.settings)
        return try await store.deleteMode(subject: subject)
    }

    public func counts() async throws -> StoreCounts {
        try await store.counts()
    }

    /// Closes the store, then opens the gate: no call waits forever, and the held ones meet
    /// the closed store.
    public func close() async throws {
        defer { gate.open() }
        try await store.close()
    }

    // API keys pass straight through: the gate is for registry requests.

    public func createAPIKey(_ record: APIKeyRecord) async throws {
        try await keyStore().createAPIKey(record)
    }

    public func apiKeys(includeRevoked: Bool) async throws -> [APIKeyRecord] {
        try await keyStore().apiKeys(includeRevoked: includeRevoked)
    }

    public func revokeAPIKey(id: String) async throws -> Bool {
        try await keyStore().revokeAPIKey(id: id)
    }

    private func keyStore() throws -> any APIKeyStore {
        guard let keys = store as? any APIKeyStore else {
            throw RegistryError(.storeError, "\(store.kind) keeps no API keys")
        }
        return keys
    }
}
