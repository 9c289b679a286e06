/// A schema that cannot be compiled: what is wrong and where (a JSON pointer).
public struct JSONSchemaError: Error, Sendable, CustomStringConvertible {
    public var location: String
    public var message: String
    public var description: String { "\(message) at '\(location)'" }
}

/// Compiles schema documents into ``SchemaNode`` graphs, resolving every reference once,
/// up front, so that validation never looks anything up by URI.
struct SchemaCompiler {
    var index: SchemaIndex
    private var compiled: [String: SchemaNode] = [:]
    private var resourceObjects: [String: SchemaResource] = [:]
    /// Every node and resource made, so their cycles are broken once no one needs them.
    let graph = SchemaGraph()

    init(index: SchemaIndex) { self.index = index }

    /// Compiles the whole document at `document` and returns its root.
    mutating func compileDocument(_ document: Int) throws(JSONSchemaError) -> SchemaNode {
        let documentInfo = index.documents[document]
        let location =
            index.positions[SchemaIndex.key(document, "")]
            ?? SchemaIndex.Location(
                document: document, pointer: "", base: URIResolution.split(documentInfo.uri).resource,
                draft: documentInfo.draft)
        return try compile(index.documents[document].root, at: location)
    }

    private mutating func resource(_ uri: String) throws(JSONSchemaError) -> SchemaResource {
        if let existing = resourceObjects[uri] { return existing }
        let resource = SchemaResource(uri: uri)
        resourceObjects[uri] = resource
        graph.add(resource)
        resource.recursiveAnchor = index.recursiveAnchors.contains(uri)
        return resource
    }

    /// The node for `value` at `location`, compiled at most once per position.
    mutating func compile(_ value: JSONValue, at location: SchemaIndex.Location) throws(JSONSchemaError) -> SchemaNode {
        let key = SchemaIndex.key(location.document, location.pointer)
        if let node = compiled[key] { return node }
        let document = index.documents[location.document]
        let display = document.isMain ? location.pointer : document.uri + "#" + location.pointer
        let resource = try resource(location.base)
        let node = SchemaNode(location: display, resource: resource)
        compiled[key] = node
        graph.add(node)
        if let root = index.resources[location.base], root.document == location.document,
            root.pointer == location.pointer
        {
            resource.root = node
        }
        // Every dynamic anchor of a resource entered must be known, even when only a
        // subschema of the resource is referenced (the resource is still in dynamic scope).
        if !resource.anchorsCompiled {
            resource.anchorsCompiled = true
            for (name, anchor) in index.dynamicAnchors[location.base] ?? [:] {
                resource.dynamicAnchors[name] = try self.node(at: anchor)
            }
        }
        switch value {
        case .bool(let constant):
            node.constant = constant
        case .object(let object):
            var builder = KeywordBuilder(node: node, object: object, location: location)
            try builder.build(&self)
            node.keywords = builder.keywords
            node.needsAnnotations = builder.needsAnnotations
        default:
            throw JSONSchemaError(location: display, message: "a schema must be an object or a boolean")
        }
        return node
    }

    /// The node at an indexed location.
    mutating func node(at location: SchemaIndex.Location) throws(JSONSchemaError) -> SchemaNode {
        guard let value = JSONPointer.resolve(location.pointer, in: index.documents[location.document].root) else {
            throw JSONSchemaError(location: location.pointer, message: "no schema at this location")
        }
        return try compile(value, at: location)
    }

    /// The child schema at `pointer` (a subschema position under its parent).
    mutating func child(_ value: JSONValue, pointer: String, parent: SchemaIndex.Location) throws(JSONSchemaError)
        -> SchemaNode
    {
        let location =
            index.positions[SchemaIndex.key(parent.document, pointer)]
            ?? SchemaIndex.Location(document: parent.document, pointer: pointer, base: parent.base, draft: parent.draft)
        return try compile(value, at: location)
    }

    /// Resolves a `$ref`-like URI reference against `base` to its target location.
    mutating func resolve(_ reference: String, base: String, from: String) throws(JSONSchemaError)
        -> SchemaIndex.Location
    {
        switch index.resolve(reference, base: base) {
        case .success(let location): return location
        case .failure(let failure): throw JSONSchemaError(location: from, message: failure.message)
        }
    }

    mutating func reference(_ reference: String, base: String, from: String) throws(JSONSchemaError) -> SchemaNode {
        try node(at: resolve(reference, base: base, from: from))
    }
}
