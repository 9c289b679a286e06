/// One change between two versions of a Protobuf schema: Confluent's kind, where, and whether
/// the reader still reads the writer's data despite it.
public struct ProtobufDifference: Sendable, Hashable, CustomStringConvertible {
    /// Confluent's `Difference.Type` names, plus the two this checker adds
    /// (`FIELD_MESSAGE_LABEL_CHANGED`, `SYNTAX_VERSION_CHANGED`).
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case packageChanged = "PACKAGE_CHANGED"
        case messageAdded = "MESSAGE_ADDED"
        case messageRemoved = "MESSAGE_REMOVED"
        case messageMoved = "MESSAGE_MOVED"
        case enumAdded = "ENUM_ADDED"
        case enumRemoved = "ENUM_REMOVED"
        case enumConstAdded = "ENUM_CONST_ADDED"
        case enumConstChanged = "ENUM_CONST_CHANGED"
        case enumConstRemoved = "ENUM_CONST_REMOVED"
        case fieldAdded = "FIELD_ADDED"
        case fieldRemoved = "FIELD_REMOVED"
        case fieldNameChanged = "FIELD_NAME_CHANGED"
        case fieldKindChanged = "FIELD_KIND_CHANGED"
        case fieldScalarKindChanged = "FIELD_SCALAR_KIND_CHANGED"
        case fieldNamedTypeChanged = "FIELD_NAMED_TYPE_CHANGED"
        case fieldNumericLabelChanged = "FIELD_NUMERIC_LABEL_CHANGED"
        case fieldStringOrBytesLabelChanged = "FIELD_STRING_OR_BYTES_LABEL_CHANGED"
        /// Ours: Confluent does not compare the labels of message fields.
        case fieldMessageLabelChanged = "FIELD_MESSAGE_LABEL_CHANGED"
        case requiredFieldAdded = "REQUIRED_FIELD_ADDED"
        case requiredFieldRemoved = "REQUIRED_FIELD_REMOVED"
        case oneofAdded = "ONEOF_ADDED"
        case oneofRemoved = "ONEOF_REMOVED"
        case oneofFieldAdded = "ONEOF_FIELD_ADDED"
        case oneofFieldRemoved = "ONEOF_FIELD_REMOVED"
        case multipleFieldsMovedToOneof = "MULTIPLE_FIELDS_MOVED_TO_ONEOF"
        case fieldMovedToExistingOneof = "FIELD_MOVED_TO_EXISTING_ONEOF"
        /// Ours: Confluent does not compare the syntax.
        case syntaxVersionChanged = "SYNTAX_VERSION_CHANGED"

        /// Whether Confluent accepts this kind (its `SchemaDiff.COMPATIBLE_CHANGES`). Where a
        /// difference's own ``ProtobufDifference/isCompatible`` is stricter, we deliberately differ.
        public var isCompatibleInConfluent: Bool {
            switch self {
            case .packageChanged, .messageAdded, .messageMoved, .enumAdded, .enumRemoved, .enumConstAdded,
                .enumConstChanged, .enumConstRemoved, .fieldAdded, .fieldRemoved, .fieldNameChanged,
                .fieldStringOrBytesLabelChanged, .oneofAdded, .oneofRemoved, .oneofFieldAdded,
                .fieldMessageLabelChanged, .syntaxVersionChanged:
                return true
            case .messageRemoved, .fieldKindChanged, .fieldScalarKindChanged, .fieldNamedTypeChanged,
                .fieldNumericLabelChanged, .requiredFieldAdded, .requiredFieldRemoved, .oneofFieldRemoved,
                .multipleFieldsMovedToOneof, .fieldMovedToExistingOneof:
                return false
            }
        }
    }

    public var kind: Kind
    /// A path into the schema (see ``ProtobufCompatibility``), e.g. `/messages/shop.Order/fields/3`.
    public var location: String
    public var message: String
    /// Whether the reader still reads the writer's data with this change.
    public var isCompatible: Bool

    public init(kind: Kind, location: String, message: String, isCompatible: Bool) {
        self.kind = kind
        self.location = location
        self.message = message
        self.isCompatible = isCompatible
    }

    public var description: String {
        "\(kind.rawValue) at '\(location)' (\(isCompatible ? "compatible" : "incompatible")): \(message)"
    }
}
