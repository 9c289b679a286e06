/// The stable kind names the JSON Schema compatibility checker reports.
///
/// They follow Confluent Schema Registry's names so that people and tools that know those
/// can read ours; a few (`*_ADDED`, `UNRESOLVED_REFERENCE`, `KEYWORD_CHANGED`) cover cases
/// Confluent names differently or not at all.
public enum JSONSchemaCompatibilityKind {
    // Types and combinators.
    public static let typeChanged = "TYPE_CHANGED"
    public static let typeNarrowed = "TYPE_NARROWED"
    public static let combinedTypeChanged = "COMBINED_TYPE_CHANGED"
    public static let combinedTypeSubschemasChanged = "COMBINED_TYPE_SUBSCHEMAS_CHANGED"
    public static let productTypeExtended = "PRODUCT_TYPE_EXTENDED"
    public static let sumTypeNarrowed = "SUM_TYPE_NARROWED"
    public static let notTypeExtended = "NOT_TYPE_EXTENDED"
    public static let enumArrayNarrowed = "ENUM_ARRAY_NARROWED"
    public static let unresolvedReference = "UNRESOLVED_REFERENCE"
    public static let keywordChanged = "KEYWORD_CHANGED"

    // Numbers.
    public static let maximumAdded = "MAXIMUM_ADDED"
    public static let maximumDecreased = "MAXIMUM_DECREASED"
    public static let minimumAdded = "MINIMUM_ADDED"
    public static let minimumIncreased = "MINIMUM_INCREASED"
    public static let exclusiveMaximumAdded = "EXCLUSIVE_MAXIMUM_ADDED"
    public static let exclusiveMaximumDecreased = "EXCLUSIVE_MAXIMUM_DECREASED"
    public static let exclusiveMinimumAdded = "EXCLUSIVE_MINIMUM_ADDED"
    public static let exclusiveMinimumIncreased = "EXCLUSIVE_MINIMUM_INCREASED"
    public static let multipleOfAdded = "MULTIPLE_OF_ADDED"
    public static let multipleOfChanged = "MULTIPLE_OF_CHANGED"

    // Strings.
    public static let maxLengthAdded = "MAX_LENGTH_ADDED"
    public static let maxLengthDecreased = "MAX_LENGTH_DECREASED"
    public static let minLengthAdded = "MIN_LENGTH_ADDED"
    public static let minLengthIncreased = "MIN_LENGTH_INCREASED"
    public static let patternAdded = "PATTERN_ADDED"
    public static let patternChanged = "PATTERN_CHANGED"

    // Objects.
    public static let propertyRemovedFromClosedContentModel = "PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL"
    public static let propertyRemovedNotCoveredByPartiallyOpenContentModel =
        "PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
    public static let propertyAddedToOpenContentModel = "PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL"
    public static let propertyAddedNotCoveredByPartiallyOpenContentModel =
        "PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
    public static let requiredAttributeAdded = "REQUIRED_ATTRIBUTE_ADDED"
    public static let requiredPropertyAddedToUnopenContentModel = "REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL"
    public static let additionalPropertiesRemoved = "ADDITIONAL_PROPERTIES_REMOVED"
    public static let additionalPropertiesNarrowed = "ADDITIONAL_PROPERTIES_NARROWED"
    public static let maxPropertiesAdded = "MAX_PROPERTIES_ADDED"
    public static let maxPropertiesDecreased = "MAX_PROPERTIES_DECREASED"
    public static let minPropertiesAdded = "MIN_PROPERTIES_ADDED"
    public static let minPropertiesIncreased = "MIN_PROPERTIES_INCREASED"
    public static let dependencyArrayAdded = "DEPENDENCY_ARRAY_ADDED"
    public static let dependencyArrayExtended = "DEPENDENCY_ARRAY_EXTENDED"
    public static let dependencySchemaAdded = "DEPENDENCY_SCHEMA_ADDED"

    // Arrays.
    public static let itemAddedToOpenContentModel = "ITEM_ADDED_TO_OPEN_CONTENT_MODEL"
    public static let itemAddedNotCoveredByPartiallyOpenContentModel =
        "ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
    public static let itemRemovedFromClosedContentModel = "ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL"
    public static let itemRemovedNotCoveredByPartiallyOpenContentModel =
        "ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL"
    public static let additionalItemsRemoved = "ADDITIONAL_ITEMS_REMOVED"
    public static let maxItemsAdded = "MAX_ITEMS_ADDED"
    public static let maxItemsDecreased = "MAX_ITEMS_DECREASED"
    public static let minItemsAdded = "MIN_ITEMS_ADDED"
    public static let minItemsIncreased = "MIN_ITEMS_INCREASED"
    public static let uniqueItemsAdded = "UNIQUE_ITEMS_ADDED"
    public static let containsAdded = "CONTAINS_ADDED"
    public static let containsChanged = "CONTAINS_CHANGED"
    public static let minContainsIncreased = "MIN_CONTAINS_INCREASED"
    public static let maxContainsAdded = "MAX_CONTAINS_ADDED"
    public static let maxContainsDecreased = "MAX_CONTAINS_DECREASED"
}
