extension AvroParser {
    private static let orders: Set<String> = ["ascending", "descending", "ignore"]
    private static let fieldKeys: Set<String> = ["name", "type", "default", "order", "aliases", "doc"]

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
        for (index, element) in array.enumerated() {
            let fieldPath = "\(path)/fields/\(index)"
            guard let object = element.objectValue else {
                throw Failure(subject: recordSubject, path: fieldPath, problem: "a field must be a JSON object")
            }
            guard let name = object["name"]?.stringValue else {
                throw Failure(subject: recordSubject, path: fieldPath, problem: "field has no string 'name'")
            }
            let subject = "field '\(name)' of \(recordSubject)"
            guard AvroNames.isValidName(name) else {
                throw Failure(
                    subject: subject, path: fieldPath + "/name", problem: "'\(name)' is not a valid Avro name")
            }
            if fields.contains(where: { $0.name == name }) {
                throw Failure(subject: subject, path: fieldPath + "/name", problem: "duplicate field name '\(name)'")
            }
            guard let typeValue = object["type"] else {
                throw Failure(subject: subject, path: fieldPath, problem: "field has no 'type'")
            }
            let type = try parse(typeValue, namespace: namespace, path: fieldPath + "/type")
            var field = AvroField(
                name: name, type: type, defaultValue: object["default"], order: nil, aliases: [], doc: nil,
                properties: JSONObject(object.members.filter { !Self.fieldKeys.contains($0.key) }))
            if let order = object["order"] {
                guard let text = order.stringValue, Self.orders.contains(text) else {
                    throw Failure(
                        subject: subject, path: fieldPath + "/order",
                        problem: "order \(order.serialized()) is not \"ascending\", \"descending\" or \"ignore\"")
                }
                field.order = text
            }
            if let doc = object["doc"] {
                guard let text = doc.stringValue else {
                    throw Failure(subject: subject, path: fieldPath + "/doc", problem: "'doc' must be a string")
                }
                field.doc = text
            }
            if let aliases = object["aliases"] {
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
                    PendingDefault(subject: subject, path: fieldPath, value: defaultValue, type: type))
            }
            fields.append(field)
        }
        return fields
    }
}

/// A field default to check once every type it may use is complete.
struct PendingDefault {
    var subject: String
    var path: String
    var value: JSONValue
    var type: AvroSchema
}

extension AvroParser {
    /// Checks the defaults collected while parsing, in document order.
    mutating func checkPendingDefaults() throws(Failure) {
        let pending = pendingDefaults
        pendingDefaults = []
        for item in pending {
            let model = AvroModel(root: item.type, namedTypes: namedTypes, externalNames: [])
            var checker = AvroValueChecker(model: model, encoding: .defaultValue)
            checker.check(item.value, item.type, instance: "", schemaPath: item.path + "/type")
            if let first = checker.errors.first {
                let detail = first.instanceLocation.isEmpty ? "" : " (at \(first.instanceLocation): \(first.message))"
                throw Failure(
                    subject: item.subject, path: item.path,
                    problem: "default \(item.value.serialized()) is not a valid \(first.expected)" + detail)
            }
        }
    }
}
