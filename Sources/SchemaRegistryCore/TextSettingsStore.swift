/// A per-subject setting a store keeps as text ('' is the global row).
public enum StoredSetting: Sendable {
    case compatibility
    case mode

    /// The table and column holding it: literals, never input, so stores may put them in SQL.
    public var table: String { self == .compatibility ? "config" : "modes" }
    public var column: String { self == .compatibility ? "compatibility" : "mode" }
}

/// A store that keeps compatibility levels and modes as text rows. Conformers supply the
/// three row operations in their own SQL; the typed ``SchemaStore`` settings API is written
/// once here for every such store.
public protocol TextSettingsStore: SchemaStore {
    /// The stored text, or nil. A nil subject is the global setting.
    func readSetting(_ setting: StoredSetting, subject: String?) async throws -> String?
    func writeSetting(_ setting: StoredSetting, value: String, subject: String?) async throws
    /// Removes the row; returns what it held.
    func deleteSetting(_ setting: StoredSetting, subject: String?) async throws -> String?
}

extension TextSettingsStore {
    public func compatibility(subject: String?) async throws -> CompatibilityLevel? {
        try await readSetting(.compatibility, subject: subject).map { try parse($0, .compatibility) }
    }

    public func setCompatibility(_ level: CompatibilityLevel, subject: String?) async throws {
        try await writeSetting(.compatibility, value: level.rawValue, subject: subject)
    }

    public func deleteCompatibility(subject: String?) async throws -> CompatibilityLevel? {
        try await deleteSetting(.compatibility, subject: subject).map { try parse($0, .compatibility) }
    }

    public func mode(subject: String?) async throws -> RegistryMode? {
        try await readSetting(.mode, subject: subject).map { try parse($0, .mode) }
    }

    public func setMode(_ mode: RegistryMode, subject: String?) async throws {
        try await writeSetting(.mode, value: mode.rawValue, subject: subject)
    }

    public func deleteMode(subject: String?) async throws -> RegistryMode? {
        try await deleteSetting(.mode, subject: subject).map { try parse($0, .mode) }
    }

    private func parse<T: RawRepresentable<String>>(_ raw: String, _ setting: StoredSetting) throws -> T {
        guard let value = T(rawValue: raw) else {
            throw RegistryError(.storeError, "\(kind): unknown \(setting.column) '\(raw)' in the database")
        }
        return value
    }
}
