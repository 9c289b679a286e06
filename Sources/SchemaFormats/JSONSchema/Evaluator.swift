import SchemaRegistryCore

/// What in-place subschemas evaluated, for `unevaluatedProperties`/`unevaluatedItems`.
struct Annotations {
    var properties: Set<String> = []
    /// Items `0..<itemPrefix` were evaluated.
    var itemPrefix = 0
    var allItems = false
    /// Items evaluated by `contains` (2020-12).
    var itemIndices: Set<Int> = []

    mutating func merge(_ other: Annotations) {
        properties.formUnion(other.properties)
        itemPrefix = max(itemPrefix, other.itemPrefix)
        allItems = allItems || other.allItems
        itemIndices.formUnion(other.itemIndices)
    }
}

/// One validation run: walks the compiled graph over an instance, collecting every error
/// (or, inside `anyOf`/`not`/`if`/`contains` branches, only a yes/no answer).
struct Evaluator {
    var instancePath: [PathToken] = []
    var errors: [PayloadError] = []
    /// False while evaluating branches whose failures are not the instance's errors.
    var recording = true
    /// The dynamic scope: resources entered, outermost first.
    var scope: [SchemaResource] = []
    /// `scope.last`, by identity (compared per node without retaining it).
    private var currentResource: ObjectIdentifier?
    let formatAssertion: Bool
    let integerIncludesZeroFraction: Bool
    /// Nested `evaluate` calls in progress.
    private var depth = 0
    /// Set once `maximumDepth` was hit: the whole instance is then invalid, whatever the
    /// branches that saw it answered.
    private(set) var tooDeep = false
    /// A schema that refers to itself without descending into the instance (`{"$ref": "#"}`,
    /// `allOf` cycles) recursed until the stack overflowed and took the process down (found
    /// by fuzz/FuzzJSONSchema). Real documents stay far below this: instances nest at most
    /// 256 levels (JSONParser) and each level costs a few evaluations.
    static let maximumDepth = 1_000

    init(formatAssertion: Bool, integerIncludesZeroFraction: Bool = true) {
        self.formatAssertion = formatAssertion
        self.integerIncludesZeroFraction = integerIncludesZeroFraction
    }

    mutating func fail(_ location: String, _ message: @autoclosure () -> String) {
        guard recording else { return }
        errors.append(
            PayloadError(instanceLocation: instancePath.pointer, schemaLocation: location, message: message()))
    }

    /// Evaluates `node`; on success merges its annotations into `parent` (when wanted).
    mutating func evaluate(_ node: SchemaNode, _ instance: JSONValue, _ parent: inout Annotations?) -> Bool {
        // Once too deep, the answer is known (invalid): stop at once. Returning to the
        // branches above would let each `anyOf` try its others, each going down to the bound
        // again: `{"anyOf":[{"$ref":"#"},{"$ref":"#"}]}` took 2^1000 steps.
        guard !tooDeep, depth < Self.maximumDepth else {
            tooDeep = true
            return false
        }
        depth += 1
        defer { depth -= 1 }
        if let constant = node.constant {
            if !constant { fail(node.location, "no value is allowed here (the schema is false)") }
            return constant
        }
        let resource = ObjectIdentifier(node.resource)
        let entered = currentResource != resource
        if entered {
            scope.append(node.resource)
            currentResource = resource
        }
        defer {
            if entered {
                scope.removeLast()
                currentResource = scope.last.map(ObjectIdentifier.init)
            }
        }
        var local: Annotations? = parent != nil || node.needsAnnotations ? Annotations() : nil
        var valid = true
        for keyword in node.keywords where !apply(keyword, instance, &local) {
            valid = false
            // Outside error collection only the answer matters: stop at the first failure.
            if !recording { return false }
        }
        if valid, parent != nil, let local { parent!.merge(local) }
        return valid
    }

    /// Evaluates `node` against a child of the instance (no annotations flow back).
    mutating func evaluate(_ node: SchemaNode, _ instance: JSONValue, at token: PathToken) -> Bool {
        var none: Annotations? = nil
        // Locations only matter for recorded errors (`recording` is restored by `quietly`
        // before this returns, so push and pop agree).
        guard recording else { return evaluate(node, instance, &none) }
        instancePath.append(token)
        defer { instancePath.removeLast() }
        return evaluate(node, instance, &none)
    }

    /// Evaluates without recording errors (a branch whose failure is not an error itself).
    mutating func quietly(_ node: SchemaNode, _ instance: JSONValue, _ annotations: inout Annotations?) -> Bool {
        let saved = recording
        recording = false
        defer { recording = saved }
        return evaluate(node, instance, &annotations)
    }

    mutating func quietly(_ node: SchemaNode, _ instance: JSONValue, at token: PathToken) -> Bool {
        let saved = recording
        recording = false
        defer { recording = saved }
        return evaluate(node, instance, at: token)
    }

    /// The target of a `$dynamicRef` in the current dynamic scope.
    func dynamicTarget(_ fallback: SchemaNode, anchor: String?) -> SchemaNode {
        guard let anchor else { return fallback }
        for resource in scope {
            if let target = resource.dynamicAnchors[anchor] { return target }
        }
        return fallback
    }

    /// The target of a `$recursiveRef` (2019-09) in the current dynamic scope.
    func recursiveTarget(_ fallback: SchemaNode) -> SchemaNode {
        guard fallback.resource.recursiveAnchor else { return fallback }
        for resource in scope where resource.recursiveAnchor {
            if let root = resource.root { return root }
        }
        return fallback
    }
}
