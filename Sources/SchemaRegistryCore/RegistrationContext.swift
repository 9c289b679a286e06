/// Everything a registration reads before it writes, read in one store call.
///
/// The registry otherwise asks the store five to eight times per registration (mode and
/// compatibility, each for the subject then globally, and ``RegistrationView``); on PostgreSQL
/// each is a round trip and on SQLite a hop to a reader's queue, which is most of what a
/// registration costs besides its commit (issue 19).
public struct RegistrationContext: Sendable {
    /// The subject's mode, if it has one.
    public var subjectMode: RegistryMode?
    /// The global mode, if one is set.
    public var globalMode: RegistryMode?
    /// The subject's compatibility level, if it has one.
    public var subjectCompatibility: CompatibilityLevel?
    /// The global compatibility level, if one is set.
    public var globalCompatibility: CompatibilityLevel?
    /// See ``SchemaStore/registrationView(subject:matching:)``.
    public var view: RegistrationView

    public init(
        subjectMode: RegistryMode?, globalMode: RegistryMode?, subjectCompatibility: CompatibilityLevel?,
        globalCompatibility: CompatibilityLevel?, view: RegistrationView
    ) {
        self.subjectMode = subjectMode
        self.globalMode = globalMode
        self.subjectCompatibility = subjectCompatibility
        self.globalCompatibility = globalCompatibility
        self.view = view
    }
}

/// A store that reads a ``RegistrationContext`` in one call (one query, or one hop to a reader).
///
/// Optional: the registry falls back to the separate reads for stores without it (and for
/// wrappers such as the Redis L2, whose mapping reads are cached one by one).
public protocol RegistrationContextReading: SchemaStore {
    /// What registering `schema` under `subject` reads, as one consistent snapshot.
    func registrationContext(subject: String, matching schema: SchemaIdentity) async throws -> RegistrationContext
}

extension RegistrationContext {
    /// A context from settings a store keeps as text (``TextSettingsStore``); `kind` names the
    /// store in the error an unknown stored value raises.
    public init(
        kind: String, subjectMode: String?, globalMode: String?, subjectCompatibility: String?,
        globalCompatibility: String?, view: RegistrationView
    ) throws {
        func parse<T: RawRepresentable<String>>(_ raw: String?, _ setting: StoredSetting) throws -> T? {
            guard let raw else { return nil }
            guard let value = T(rawValue: raw) else {
                throw RegistryError(.storeError, "\(kind): unknown \(setting.column) '\(raw)' in the database")
            }
            return value
        }
        self.init(
            subjectMode: try parse(subjectMode, .mode), globalMode: try parse(globalMode, .mode),
            subjectCompatibility: try parse(subjectCompatibility, .compatibility),
            globalCompatibility: try parse(globalCompatibility, .compatibility), view: view)
    }
}
