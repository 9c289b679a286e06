extension AvroParser {
    private static let orders: Set<String> = ["ascending", "descending", "ignore"]
    private static let fieldKeys: Set<String> = ["name", "type", "default", "order", "aliases", "doc"]

    /// A field's attributes other than the ones the spec defines (same as filtering by
    /// `fieldKeys`, without hashing every key).
    private static func extraProperties(_ object: JSONObject) -> JSONObject {
        func isFieldKey(_ key: String) -> Bool {
            switch key {
            case "name", "type", "default", "order", "aliases", "doc": true
            default: false
            }
        }
        if object.members.allSatisfy({ isFieldKey($0.key) }) { return JSONObject() }
        return JSONObject(object.members.filter { !fieldKeys.contains($0.key) })
    }

    /// A record's fields: names valid and unique, types parsed in the record's namespace,
    /// defaults checked against their types (a union's against its first branch).
    mutating func parseFields(_ value: JSONValue?, record: String, namespace: String, path: String) throws(Failure)
        -> [AvroField]
    {
        let recordSubject = "record '\(record)'"
        guard let array = value?.arrayValue else {
            throw Failure(subject: recordSubject, path: path + "/fields", problem: "'fields' must be an array")
        }
        var fields: [AvroField] = []
        fields.reserveCapacity(array.count)
        var fieldNames: Set<String> = []
        fieldNames.reserveCapacity(array.count)
        for (index, element) in array.enumerated() {
            let fieldPath = "\(path)/fields/\(index)"
            guard let object = element.objectValue else {
                throw Failure(subject: recordSubject, path: fieldPath, problem: "a field must be a JSON object")
            }
            // One pass over the members instead of a hashed lookup per attribute (member
            // keys are unique, so this finds what the subscript would).
            var nameValue: JSONValue? = nil
            var typeMember: JSONValue? = nil
            var defaultMember: JSONValue? = nil
            var orderMember: JSONValue? = nil
            var docMember: JSONValue? = nil
            var aliasesMember: JSONValue? = nil
            var hasExtra = false
            for member in object.members {
                switch member.key {
                case "name": nameValue = member.value
                case "type": typeMember = member.value
                case "default": defaultMember = member.value
                case "order": orderMember = member.value
                case "doc": docMember = member.value
                case "aliases": aliasesMember = member.value
                default: hasExtra = true
                }
            }
            guard let name = nameValue?.stringValue else {
                throw Failure(subject: recordSubject, path: fieldPath, problem: "field has no string 'name'")
            }
            // Rendered only when an error (or a default's error) needs it.
            var subject: String { "field '\(name)' of \(recordSubject)" }
            guard AvroNames.isValidName(name) else {
                throw Failure(
                    subject: subject, path: fieldPath + "/name", problem: "'\(name)' is not a valid Avro name")
            }
            if !fieldNames.insert(name).inserted {
                throw Failure(subject: subject, path: fieldPath + "/name", problem: "duplicate field name '\(name)'")
            }
            guard let typeValue = typeMember else {
                throw Failure(subject: subject, path: fieldPath, problem: "field has no 'type'")
            }
            let type = try parse(typeValue, namespace: namespace, path: fieldPath + "/type")
            var field = AvroField(
                name: name, type: type, defaultValue: defaultMember, order: nil, aliases: [], doc: nil,
                properties: hasExtra ? Self.extraProperties(object) : JSONObject())
            if let order = orderMember {
                guard let text = order.stringValue, Self.orders.contains(text) else {
                    throw Failure(
                        subject: subject, path: fieldPath + "/order",
                        problem: "order \(order.serialized()) is not \"ascending\", \"descending\" or \"ignore\"")
                }
                field.order = text
            }
            if let doc = docMember {
                guard let text = doc.stringValue else {
                    throw Failure(subject: subject, path: fieldPath + "/doc", problem: "'doc' must be a string")
                }
                field.doc = text
            }
            if let aliases = aliasesMember {
                guard let list = aliases.arrayValue?.compactMap(\.stringValue), list.count == aliases.arrayValue?.count,
                    list.allSatisfy(AvroNames.isValidName)
                else {
                    throw Failure(
                        subject: subject, path: fieldPath + "/aliases", problem: "'aliases' must be an array of names")
                }
                field.aliases = list
            }
            if let defaultValue = field.defaultValue {
                // Checked once the document is parsed: a default may hold a value of a
                // record still being defined (a recursive type).
                pendingDefaults.append(
                    PendingDefault(
                        field: name, index: index, record: record, path: fieldPath, value: defaultValue, type: type))
            }
            fields.append(field)
        }
        return fields
    }
}

/// A field default to check once every type it may use is complete.
struct PendingDefault {
    /// The field's name and position, and its record's fullname.
    var field: String
    var index: Int
    var record: String
    var subject: String { "field '\(field)' of record '\(record)'" }
    var path: String
    var value: JSONValue
    var type: AvroSchema
}

extension AvroParser {
    /// Checks the defaults collected while parsing, in document order. With `validateDefaults`
    /// the first invalid one is an error; without, each becomes a warning and its field is marked
    /// (``AvroField/defaultIsValid``) so that nothing relies on it.
    mutating func checkPendingDefaults() throws(Failure) {
        let pending = pendingDefaults
        pendingDefaults = []
        for item in pending {
            let model = AvroModel(root: item.type, namedTypes: namedTypes, externalNames: [])
            var checker = AvroValueChecker(model: model, encoding: .defaultValue)
            checker.check(item.value, item.type, instance: "", schemaPath: item.path + "/type")
            guard let first = checker.errors.first else { continue }
            let detail = first.instanceLocation.isEmpty ? "" : " (at \(first.instanceLocation): \(first.message))"
            let failure = Failure(
                subject: item.subject, path: item.path,
                problem: "default \(item.value.serialized()) is not a valid \(first.expected)" + detail)
            if validateDefaults { throw failure }
            markInvalidDefault(record: item.record, field: item.index)
            warnings.append(
                "\(failure.message); accepted, but it counts as no default (readers cannot use it)")
        }
    }
}
