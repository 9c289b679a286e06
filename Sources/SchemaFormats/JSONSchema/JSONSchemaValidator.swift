import SchemaRegistryCore

/// A compiled JSON Schema (drafts 4, 6, 7, 2019-09 and 2020-12): compile once, validate
/// many instances. References resolve only against the schema itself, the embedded
/// official meta-schemas and the `documents` given at compile time — never the network.
public struct JSONSchemaValidator: Sendable {
    /// How schemas are compiled and instances checked.
    public struct Options: Sendable {
        /// The draft for schemas without (or with an unknown) `$schema`.
        public var defaultDraft: JSONSchemaDraft
        /// Whether `format` asserts (by default it is only an annotation).
        public var formatAssertion: Bool

        public init(defaultDraft: JSONSchemaDraft = .draft2020_12, formatAssertion: Bool = false) {
            self.defaultDraft = defaultDraft
            self.formatAssertion = formatAssertion
        }
    }

    let root: SchemaNode
    /// Keeps the node graph alive while any copy of this validator is, and frees it after.
    let graph: SchemaGraph
    let options: Options
    /// The graph flattened for `isValid` (and the valid path of `validate`); nil when it
    /// could not answer exactly as the graph walk does.
    let plan: ValidationPlan?
    /// The draft the schema's root is written in.
    public let draft: JSONSchemaDraft

    /// Compiles `schema`. `documents` maps URIs to further schema documents that `$ref`
    /// may name (e.g. schemas the registry holds); `baseURI` is the schema's retrieval URI.
    public init(
        schema: JSONValue, documents: [String: JSONValue] = [:], baseURI: String = "", options: Options = Options()
    ) throws(JSONSchemaError) {
        var index = SchemaIndex(defaultDraft: options.defaultDraft)
        for (uri, document) in documents { index.pending[URIResolution.split(uri).resource] = document }
        let main = index.add(schema, uri: baseURI, isMain: true)
        var compiler = SchemaCompiler(index: index)
        self.root = try compiler.compileDocument(main)
        self.graph = compiler.graph
        self.draft = compiler.index.documents[main].draft
        self.options = options
        self.plan = ValidationPlan.make(root: root, graph: graph, formatAssertion: options.formatAssertion)
    }

    /// Every way `instance` fails the schema; empty when it is valid.
    public func validate(_ instance: JSONValue) -> [PayloadError] {
        // Errors are only built for invalid instances: the plan answers the valid ones.
        if let plan, plan.isValid(instance) { return [] }
        var evaluator = Evaluator(formatAssertion: options.formatAssertion)
        var none: Annotations? = nil
        _ = evaluator.evaluate(root, instance, &none)
        if evaluator.tooDeep {
            return [
                PayloadError(
                    instanceLocation: "", schemaLocation: root.location,
                    message: "evaluation nested over \(Evaluator.maximumDepth) levels: the schema refers to itself "
                        + "without descending into the instance")
            ]
        }
        return evaluator.errors
    }

    /// Whether `instance` is valid (stops at the first failure).
    public func isValid(_ instance: JSONValue) -> Bool {
        if let plan { return plan.isValid(instance) }
        return walkIsValid(instance)
    }

    /// `isValid` by walking the node graph (what the plan must agree with; tests compare them).
    func walkIsValid(_ instance: JSONValue) -> Bool {
        var evaluator = Evaluator(formatAssertion: options.formatAssertion)
        evaluator.recording = false
        var none: Annotations? = nil
        return evaluator.evaluate(root, instance, &none) && !evaluator.tooDeep
    }
}
