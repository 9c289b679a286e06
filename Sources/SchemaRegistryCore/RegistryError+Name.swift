extension RegistryError.Code {
    /// A stable upper-case name (`SCHEMA_NOT_FOUND`): what metrics label a status with, so that
    /// dashboards and alerts read as words rather than Confluent's numbers. Unknown codes are
    /// `STATUS_<number>`, the spelling ``StatusCode`` uses for numbers it has no name for.
    public var name: String {
        switch self {
        case .forbidden: "FORBIDDEN"
        case .subjectNotFound: "SUBJECT_NOT_FOUND"
        case .versionNotFound: "VERSION_NOT_FOUND"
        case .schemaNotFound: "SCHEMA_NOT_FOUND"
        case .subjectSoftDeleted: "SUBJECT_SOFT_DELETED"
        case .subjectNotSoftDeleted: "SUBJECT_NOT_SOFT_DELETED"
        case .versionSoftDeleted: "VERSION_SOFT_DELETED"
        case .versionNotSoftDeleted: "VERSION_NOT_SOFT_DELETED"
        case .subjectLevelCompatibilityNotConfigured: "SUBJECT_LEVEL_COMPATIBILITY_NOT_CONFIGURED"
        case .subjectLevelModeNotConfigured: "SUBJECT_LEVEL_MODE_NOT_CONFIGURED"
        case .incompatibleSchema: "INCOMPATIBLE_SCHEMA"
        case .invalidSchema: "INVALID_SCHEMA"
        case .invalidVersion: "INVALID_VERSION"
        case .invalidCompatibilityLevel: "INVALID_COMPATIBILITY_LEVEL"
        case .invalidMode: "INVALID_MODE"
        case .operationNotPermitted: "OPERATION_NOT_PERMITTED"
        case .referenceExists: "REFERENCE_EXISTS"
        case .idConflict: "ID_CONFLICT"
        case .invalidSubject: "INVALID_SUBJECT"
        case .invalidRequest: "INVALID_REQUEST"
        case .compatibilityCheckerMissing: "COMPATIBILITY_CHECKER_MISSING"
        case .storeError: "STORE_ERROR"
        case .operationTimeout: "OPERATION_TIMEOUT"
        case .unavailable: "UNAVAILABLE"
        default: "STATUS_\(rawValue)"
        }
    }
}
