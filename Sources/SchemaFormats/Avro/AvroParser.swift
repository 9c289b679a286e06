import SchemaRegistryCore

/// Parses Avro schema JSON into an ``AvroModel``, enforcing the spec's rules and reporting
/// the first problem with what and where (a JSON pointer into the schema text).
struct AvroParser {
    private(set) var namedTypes: [String: AvroNamedType] = [:]
    private(set) var externalNames: Set<String> = []
    var pendingDefaults: [PendingDefault] = []
    /// Refuse field defaults that do not match their type (the spec's rule). Off, they are
    /// accepted with a warning, as Confluent's registry and Java Avro's parser accept them.
    var validateDefaults = true
    /// One sentence per invalid default accepted while `validateDefaults` is off.
    var warnings: [String] = []

    init(validateDefaults: Bool = true) {
        self.validateDefaults = validateDefaults
    }

    /// Where an error was found and what it concerns, e.g. "field 'id' of record 'x.User'".
    struct Failure: Error {
        var subject: String
        var path: String
        var problem: String

        var message: String {
            let place = path.isEmpty ? "the root" : path
            return subject.isEmpty ? "\(problem) (at \(place))" : "\(subject) (at \(place)): \(problem)"
        }
    }

    /// Parses a referenced schema so that its named types become known, by name only. Its
    /// warnings are not this document's (it was registered with them already).
    mutating func addReference(_ text: String) throws(Failure) {
        let before = Set(namedTypes.keys)
        let warningsBefore = warnings.count
        _ = try parseDocument(text)
        warnings.removeSubrange(warningsBefore...)
        externalNames.formUnion(Set(namedTypes.keys).subtracting(before))
    }

    /// Marks a record field's default as accepted but invalid.
    mutating func markInvalidDefault(record: String, field index: Int) {
        guard var named = namedTypes[record], case .record(var fields) = named.kind, fields.indices.contains(index)
        else { return }
        fields[index].defaultIsValid = false
        named.kind = .record(fields: fields)
        namedTypes[record] = named
    }

    mutating func parseDocument(_ text: String) throws(Failure) -> AvroSchema {
        let json: JSONValue
        do {
            json = try JSONParser().parse(text)
        } catch {
            throw Failure(subject: "", path: "", problem: "not valid JSON: \(error)")
        }
        let root = try parse(json, namespace: "", path: "")
        try checkPendingDefaults()
        return root
    }

    mutating func parse(_ json: JSONValue, namespace: String, path: String) throws(Failure) -> AvroSchema {
        switch json {
        case .string(let name):
            return try resolve(name, namespace: namespace, path: path)
        case .array(let branches):
            return try parseUnion(branches, namespace: namespace, path: path)
        case .object(let object):
            return try parseObject(object, namespace: namespace, path: path)
        default:
            throw Failure(subject: "", path: path, problem: "a schema must be a JSON string, object or array")
        }
    }

    /// A type name: a primitive, or a named type already defined (spec: no forward use).
    private func resolve(_ name: String, namespace: String, path: String) throws(Failure) -> AvroSchema {
        if let primitive = AvroPrimitive(rawValue: name) { return .primitive(primitive, .none) }
        let full = AvroNames.fullname(name, in: namespace)
        if namedTypes[full] != nil { return .named(full) }
        // A bare name not found in the enclosing namespace may still live in the null one.
        if namedTypes[name] != nil { return .named(name) }
        throw Failure(subject: "", path: path, problem: "undefined type name '\(name)'")
    }

    private mutating func parseUnion(_ branches: [JSONValue], namespace: String, path: String) throws(Failure)
        -> AvroSchema
    {
        var parsed: [AvroSchema] = []
        parsed.reserveCapacity(branches.count)
        // Branch names in order: unions are small, so a linear scan beats hashing.
        var seen: [String] = []
        seen.reserveCapacity(branches.count)
        for (index, branch) in branches.enumerated() {
            let schema: AvroSchema
            if case .string(let name) = branch, let primitive = AvroPrimitive(rawValue: name) {
                // What `parse` gives for a primitive name, without building the branch's path.
                schema = .primitive(primitive, .none)
            } else {
                schema = try parse(branch, namespace: namespace, path: "\(path)/\(index)")
            }
            if case .union = schema {
                throw Failure(
                    subject: "", path: "\(path)/\(index)", problem: "unions may not immediately contain other unions")
            }
            let key = AvroModel.branchName(schema)
            if let first = seen.firstIndex(of: key) {
                throw Failure(
                    subject: "", path: "\(path)/\(index)",
                    problem: "union contains '\(key)' twice (branches \(first) and \(index))")
            }
            seen.append(key)
            parsed.append(schema)
        }
        return .union(parsed)
    }

    private mutating func parseObject(_ object: JSONObject, namespace: String, path: String) throws(Failure)
        -> AvroSchema
    {
        guard let typeValue = object["type"] else {
            throw Failure(subject: "", path: path, problem: "schema object has no 'type'")
        }
        guard let type = typeValue.stringValue else {
            // `{"type": [...]}` or `{"type": {...}}` is not a schema object the spec defines.
            throw Failure(subject: "", path: path + "/type", problem: "'type' must be a string")
        }
        switch type {
        case "record", "error", "enum", "fixed":
            return try parseNamed(type, object, namespace: namespace, path: path)
        case "array":
            guard let items = object["items"] else {
                throw Failure(subject: "array", path: path, problem: "missing 'items'")
            }
            let schema = try parse(items, namespace: namespace, path: path + "/items")
            return .array(items: schema, attributes(object, except: ["type", "items"], underlying: "array"))
        case "map":
            guard let values = object["values"] else {
                throw Failure(subject: "map", path: path, problem: "missing 'values'")
            }
            let schema = try parse(values, namespace: namespace, path: path + "/values")
            return .map(values: schema, attributes(object, except: ["type", "values"], underlying: "map"))
        default:
            if let primitive = AvroPrimitive(rawValue: type) {
                return .primitive(primitive, attributes(object, except: ["type"], underlying: type))
            }
            // `{"type": "com.x.Name"}` refers to a defined named type, as Java accepts.
            if object.count == 1, let schema = try? resolve(type, namespace: namespace, path: path) {
                return schema
            }
            throw Failure(subject: "", path: path + "/type", problem: "unknown type '\(type)'")
        }
    }

    private func attributes(
        _ object: JSONObject, except reserved: Set<String>, underlying: String, fixedSize: Int? = nil
    )
        -> AvroAttributes
    {
        let properties = JSONObject(object.members.filter { !reserved.contains($0.key) })
        return AvroAttributes(
            logicalType: AvroLogicalType.resolve(properties, underlying: underlying, fixedSize: fixedSize),
            properties: properties)
    }
}

extension AvroParser {
    /// Records, enums and fixed: the name is registered before the body is parsed so that
    /// a record may refer to itself.
    private mutating func parseNamed(_ type: String, _ object: JSONObject, namespace: String, path: String)
        throws(Failure) -> AvroSchema
    {
        let kindName = type == "error" ? "record" : type
        guard let nameValue = object["name"] else {
            throw Failure(subject: kindName, path: path, problem: "missing 'name'")
        }
        guard let name = nameValue.stringValue else {
            throw Failure(subject: kindName, path: path + "/name", problem: "'name' must be a string")
        }
        var space = namespace
        if let value = object["namespace"] {
            guard let text = value.stringValue else {
                throw Failure(
                    subject: "\(kindName) '\(name)'", path: path + "/namespace", problem: "'namespace' must be a string"
                )
            }
            space = text
        }
        let fullname = AvroNames.fullname(name, in: space)
        let subject = "\(kindName) '\(fullname)'"
        let ownNamespace = AvroNames.namespace(of: fullname)
        guard AvroNames.isValidName(AvroNames.unqualified(fullname)), AvroNames.isValidNamespace(ownNamespace) else {
            throw Failure(subject: subject, path: path + "/name", problem: "'\(fullname)' is not a valid Avro name")
        }
        if AvroPrimitive(rawValue: fullname) != nil {
            throw Failure(subject: subject, path: path + "/name", problem: "a primitive type name cannot be redefined")
        }
        if namedTypes[fullname] != nil {
            throw Failure(subject: subject, path: path + "/name", problem: "'\(fullname)' is already defined")
        }
        let aliases = try parseAliases(object["aliases"], subject: subject, path: path + "/aliases").map {
            AvroNames.fullname($0, in: ownNamespace)
        }
        var doc: String? = nil
        if let value = object["doc"] {
            guard let text = value.stringValue else {
                throw Failure(subject: subject, path: path + "/doc", problem: "'doc' must be a string")
            }
            doc = text
        }
        var named = AvroNamedType(
            fullname: fullname, aliases: aliases, doc: doc, kind: .fixed(size: 0), attributes: .none)
        switch kindName {
        case "record":
            named.kind = .record(fields: [])
            namedTypes[fullname] = named
            let fields = try parseFields(object["fields"], record: fullname, namespace: ownNamespace, path: path)
            named.kind = .record(fields: fields)
            named.attributes = attributes(
                object, except: ["type", "name", "namespace", "aliases", "doc", "fields"], underlying: "record")
        case "enum":
            named.kind = try parseEnum(object, subject: subject, path: path)
            named.attributes = attributes(
                object, except: ["type", "name", "namespace", "aliases", "doc", "symbols", "default"],
                underlying: "enum")
        default:
            guard let size = object["size"]?.numberValue?.int64, size >= 0, size <= Int32.max else {
                throw Failure(subject: subject, path: path + "/size", problem: "'size' must be a non-negative integer")
            }
            named.kind = .fixed(size: Int(size))
            named.attributes = attributes(
                object, except: ["type", "name", "namespace", "aliases", "doc", "size"], underlying: "fixed",
                fixedSize: Int(size))
        }
        namedTypes[fullname] = named
        return .named(fullname)
    }

    private func parseAliases(_ value: JSONValue?, subject: String, path: String) throws(Failure) -> [String] {
        guard let value else { return [] }
        guard let array = value.arrayValue else {
            throw Failure(subject: subject, path: path, problem: "'aliases' must be an array of strings")
        }
        var aliases: [String] = []
        for (index, alias) in array.enumerated() {
            guard let text = alias.stringValue,
                AvroNames.isValidName(AvroNames.unqualified(text)),
                AvroNames.isValidNamespace(AvroNames.namespace(of: text))
            else {
                throw Failure(
                    subject: subject, path: "\(path)/\(index)",
                    problem: "alias \(alias.serialized()) is not a valid name")
            }
            aliases.append(text)
        }
        return aliases
    }

    private func parseEnum(_ object: JSONObject, subject: String, path: String) throws(Failure) -> AvroNamedType.Kind {
        guard let array = object["symbols"]?.arrayValue else {
            throw Failure(subject: subject, path: path + "/symbols", problem: "'symbols' must be an array of strings")
        }
        var symbols: [String] = []
        for (index, value) in array.enumerated() {
            guard let symbol = value.stringValue, AvroNames.isValidName(symbol) else {
                throw Failure(
                    subject: subject, path: "\(path)/symbols/\(index)",
                    problem: "symbol \(value.serialized()) is not a valid Avro name")
            }
            if symbols.contains(symbol) {
                throw Failure(
                    subject: subject, path: "\(path)/symbols/\(index)", problem: "duplicate symbol '\(symbol)'")
            }
            symbols.append(symbol)
        }
        var defaultSymbol: String? = nil
        if let value = object["default"] {
            guard let symbol = value.stringValue, symbols.contains(symbol) else {
                throw Failure(
                    subject: subject, path: path + "/default",
                    problem: "default \(value.serialized()) is not one of the symbols")
            }
            defaultSymbol = symbol
        }
        return .enumeration(symbols: symbols, default: defaultSymbol)
    }
}
