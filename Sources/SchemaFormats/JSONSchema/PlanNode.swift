/// One schema node of a ``ValidationPlan``: every check the node makes, as plain values
/// (indices into the plan's pools instead of references), so that reading it through a
/// pointer retains nothing.
///
/// Checks of one kind that a node states twice are merged when merging is exact (bounds take
/// the tighter one, `type` intersects, `required` unites); otherwise the node stays
/// ``Kind/general`` and the ``Evaluator`` handles it.
struct PlanNode {
    enum Kind: UInt8 {
        /// The fields below say what to check.
        case checks
        /// `true` (or an empty schema's outcome): everything is valid.
        case accept
        /// `false`: nothing is valid.
        case reject
        /// Keywords the plan does not model (annotations, `patternProperties`, ...):
        /// ``general`` is evaluated by the ``Evaluator``.
        case general
    }

    /// Which groups of fields a node uses, so that a node skips what it does not have.
    struct Groups: OptionSet {
        let rawValue: UInt8
        static let string = Groups(rawValue: 1)
        static let number = Groups(rawValue: 2)
        static let array = Groups(rawValue: 4)
        static let object = Groups(rawValue: 8)
        static let applicators = Groups(rawValue: 16)
        static let values = Groups(rawValue: 32)
    }

    var kind = Kind.checks
    /// Only type, string and number checks, no Swift Regex: the loops over members and
    /// items check it inline instead of calling ``PlanWalker/check(_:_:)``.
    var leaf = false
    var general: Unmanaged<SchemaNode>?
    var groups = Groups()
    /// ``TypeSet`` raw value; all bits when `type` is absent.
    var types: UInt8 = 0x7F

    // Strings.
    var minLength = 0
    var maxLength = Int.max
    var simplePattern: SimplePattern?
    var regex: Unmanaged<CompiledPattern>?

    // Numbers: indices into the plan's numbers, -1 when absent.
    var minimum: Int32 = -1
    var exclusiveMinimum: Int32 = -1
    var maximum: Int32 = -1
    var exclusiveMaximum: Int32 = -1
    var multipleOf: Int32 = -1

    // Arrays: node indices, -1 when absent; `prefix` is a range of the plan's children.
    var minItems = 0
    var maxItems = Int.max
    var prefixStart: Int32 = 0
    var prefixCount: Int32 = -1
    var items: Int32 = -1
    var itemsStart = 0
    var contains: Int32 = -1
    var minContains = 0
    var maxContains = Int.max
    var uniqueItems = false

    // Objects: `properties` is a range of the plan's property names (with their nodes and
    // whether each is required); names `required` lists outside `properties` are a range of
    // the plan's names.
    var minProperties = 0
    var maxProperties = Int.max
    var propertiesStart: Int32 = 0
    var propertiesCount: Int32 = -1
    /// Index of the name-to-position table, for members out of the schema's order.
    var positions: Int32 = -1
    /// How many of the properties are required.
    var requiredProperties: Int32 = 0
    var extraRequiredStart: Int32 = 0
    var extraRequiredCount: Int32 = 0
    /// The `additionalProperties` node, -1 when absent.
    var additional: Int32 = -1
    /// `additionalProperties: false`: any member outside `properties` fails.
    var additionalRejects = false
    var propertyNames: Int32 = -1

    // In-place applicators: ranges of the plan's children (`$ref` targets join `allOf`).
    var allStart: Int32 = 0
    var allCount: Int32 = 0
    var anyStart: Int32 = 0
    var anyCount: Int32 = -1
    var oneStart: Int32 = 0
    var oneCount: Int32 = -1
    var not: Int32 = -1
    var condition: Int32 = -1
    var then: Int32 = -1
    var otherwise: Int32 = -1

    // Values: `enum` is a range of the plan's values, `const` an index into them, `format`
    // an index into the plan's names (set only when formats assert).
    var enumStart: Int32 = 0
    var enumCount: Int32 = -1
    var const: Int32 = -1
    var format: Int32 = -1
}
