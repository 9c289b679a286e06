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

/// A store that reads a registration's context and makes its write in ONE atomic job, when the
/// registry can decide from the context alone (issue 19).
///
/// Why: reading the context on one connection and writing on another costs a registration two
/// trips through the store (on SQLite a reader's queue, then the writer's; each a thread hop and
/// a wake), and the write must re-check what the read saw. Most registrations need nothing but
/// the context to decide (a new subject, level NONE, IMPORT mode, a schema already there), so
/// the registry hands the store its decision as a closure and the store runs it between the
/// read and the write, on the writer, under the write's atomicity.
public protocol RegistrationContextWriting: RegistrationContextReading {
    /// Reads the context of registering `write.schema` under `write.subject` and, when `decide`
    /// returns true, makes the write, expecting the context's newest version as the latest
    /// (`write.expectedLatestVersion` is not used): in the same atomic step where the store can
    /// (then it cannot conflict), else as the next write (a writer landing in between makes the
    /// outcome `.conflict`). When `decide` throws, nothing is written and the error is rethrown.
    /// Returns once whatever it did is durable.
    ///
    /// A store may write without calling `decide` when the subject has no version at all, the
    /// write imports nothing (`importID` and `importVersion` nil) and the mode (the subject's,
    /// else the global one, else `defaultMode`) is READWRITE: `decide` must return true for such
    /// a context. That lets a store decide in SQL, where a closure cannot run (PostgreSQL).
    func register(
        _ write: RegistrationWrite, defaultMode: RegistryMode,
        when decide: @escaping @Sendable (RegistrationContext) throws -> Bool
    ) async throws -> ContextualRegistration
}

/// What ``RegistrationContextWriting/register(_:defaultMode:when:)`` read and, if it wrote, the outcome.
public struct ContextualRegistration: Sendable {
    /// What the store read (when it wrote without asking `decide`, the subject has no version:
    /// the view is empty and the settings may be left unread, nil).
    public var context: RegistrationContext
    /// nil when the decision was not to write (the caller goes on from `context`).
    public var outcome: RegistrationOutcome?

    public init(context: RegistrationContext, outcome: RegistrationOutcome?) {
        self.context = context
        self.outcome = outcome
    }
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
