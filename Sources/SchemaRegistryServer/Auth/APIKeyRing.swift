import Logging
import SchemaRegistryCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The API keys a server accepts, held in memory and refreshed from the store.
///
/// The handshake checks a key on the event loop against this map (no I/O); a background task
/// reloads the map every `refreshInterval`, so keys created or revoked with
/// `schema-registry keys ...` (by any process sharing the store) take effect within it.
/// Authentication is required as soon as at least one live key exists, unless the mode is
/// ``Mode/disabled`` (`--insecure-no-auth`).
public final class APIKeyRing: Sendable {
    public enum Mode: Sendable {
        /// Required when keys exist; open while the store holds none.
        case automatic
        /// Never required (`--insecure-no-auth`): for local development only.
        case disabled
    }

    /// The outcome of a handshake's credentials.
    public enum Decision: Sendable {
        /// No authentication is required: every operation is allowed.
        case open
        case allowed(Principal)
        /// Refused; `reason` is for the server's log only (clients get one message for every
        /// refusal, so they cannot learn which part was wrong).
        case rejected(reason: String)
    }

    private struct State {
        var byHash: [String: Principal] = [:]
        var loaded = false
        /// Refreshes started so far, and the newest one whose result is in `byHash`.
        var refreshesStarted: UInt64 = 0
        var refreshApplied: UInt64 = 0
    }

    public let mode: Mode
    public let refreshInterval: Duration
    private let store: any APIKeyStore
    private let logger: Logger
    private let state = Mutex(State())

    public init(store: any APIKeyStore, mode: Mode, refreshInterval: Duration = .seconds(1), logger: Logger) {
        self.store = store
        self.mode = mode
        self.refreshInterval = refreshInterval
        self.logger = logger
    }

    /// Whether clients must present a key right now.
    public var isRequired: Bool {
        mode == .automatic && state.withLock { !$0.loaded || !$0.byHash.isEmpty }
    }

    /// Checks the key presented in HELLO (empty when none was).
    public func authenticate(apiKey: String) -> Decision {
        guard mode == .automatic else { return .open }
        let (loaded, keysExist) = state.withLock { ($0.loaded, !$0.byHash.isEmpty) }
        if loaded, !keysExist { return .open }
        guard loaded else { return .rejected(reason: "API keys not loaded from the store yet") }
        guard !apiKey.isEmpty else { return .rejected(reason: "no API key presented") }
        let hash = APIKeyText.hash(apiKey)
        if let principal = state.withLock({ $0.byHash[hash] }) { return .allowed(principal) }
        let id = APIKeyText.id(of: apiKey).map { "key id \($0) unknown or revoked" } ?? "not a key of this registry"
        return .rejected(reason: id)
    }

    /// Reloads the live keys. Principals of keys that disappeared are marked revoked, which
    /// closes the connections using them at their next request.
    ///
    /// Refreshes may overlap (the periodic one and an explicit one); a read that started before
    /// the newest applied one is stale and dropped, else it could bring a revoked key back or
    /// forget (and revoke) a key created in between.
    public func refresh() async throws {
        let ticket = state.withLock { state in
            state.refreshesStarted += 1
            return state.refreshesStarted
        }
        let records = try await store.apiKeys(includeRevoked: false)
        let (revoked, wasEmpty, isEmpty) = state.withLock { state -> ([Principal], Bool, Bool) in
            guard ticket > state.refreshApplied else { return ([], false, false) }
            state.refreshApplied = ticket
            var next: [String: Principal] = [:]
            for record in records {
                // Keep the existing object so that connections holding it stay linked to it.
                next[record.keyHash] = state.byHash[record.keyHash] ?? Principal(record)
            }
            let revoked = state.byHash.filter { next[$0.key] == nil }.map(\.value)
            let wasEmpty = !state.loaded || state.byHash.isEmpty
            state.byHash = next
            state.loaded = true
            return (revoked, wasEmpty, next.isEmpty)
        }
        for principal in revoked {
            principal.revoke()
            logger.notice("API key revoked", metadata: ["key_id": "\(principal.keyID)"])
        }
        if mode == .automatic, wasEmpty, !isEmpty {
            logger.notice("authentication required: API keys exist", metadata: ["keys": "\(records.count)"])
        }
    }

    /// Refreshes every `refreshInterval` until the task is cancelled; failures keep the last
    /// keys loaded (a store outage must not lock everyone out, nor let everyone in).
    public func refreshPeriodically() async {
        var failing = false
        while !Task.isCancelled {
            do {
                try await refresh()
                if failing { logger.notice("API keys reloaded") }
                failing = false
            } catch {
                if !failing { logger.warning("reloading API keys failed", metadata: ["error": "\(error)"]) }
                failing = true
            }
            try? await Task.sleep(for: refreshInterval)
        }
    }

    // MARK: Managing keys (admin rpcs)

    /// Seconds since the Unix epoch, from the wall clock (a key's creation time).
    private static func unixSeconds() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int(now.tv_sec)
    }

    /// Creates a key in the store and loads it at once. Returns the record and the key text,
    /// which exists only here (the store keeps its SHA-256).
    public func create(role: AccessRole, name: String, subjectPrefixes: [String]) async throws -> (
        record: APIKeyRecord, secret: String
    ) {
        if let bad = subjectPrefixes.first(where: { $0.isEmpty || $0.contains("\n") }) {
            throw RegistryError(
                .invalidRequest,
                "Subject prefixes must be non-empty and on one line (got '\(EchoedText.quote(bad))').")
        }
        let (id, secret) = APIKeyText.generate()
        let record = APIKeyRecord(
            id: id, name: name, role: role, subjectPrefixes: subjectPrefixes, keyHash: APIKeyText.hash(secret),
            createdAt: Self.unixSeconds())
        try await store.createAPIKey(record)
        try await refresh()
        logger.notice(
            "API key created", metadata: ["key_id": "\(id)", "role": "\(role.rawValue)", "name": "\(name)"])
        return (record, secret)
    }

    /// Every key, newest first; revoked ones only when asked.
    public func keys(includeRevoked: Bool) async throws -> [APIKeyRecord] {
        try await store.apiKeys(includeRevoked: includeRevoked)
    }

    /// Revokes a live key and applies it at once (other instances within `refreshInterval`).
    /// Throws 40410 when no live key has `id`.
    public func revoke(id: String) async throws -> APIKeyRecord {
        let live = try await store.apiKeys(includeRevoked: false).first { $0.id == id }
        guard var record = live, try await store.revokeAPIKey(id: id) else {
            throw RegistryError(.apiKeyNotFound, "No live API key has id '\(EchoedText.quote(id))'.")
        }
        try await refresh()
        record.revoked = true
        return record
    }
}
