/// Writes a model back as JSON text in one of two fixed forms.
///
/// - The spec's Parsing Canonical Form (PCF): only `name`, `type`, `fields`, `symbols`,
///   `items`, `values`, `size`, in that order, fullnames, primitives as bare strings. It is
///   what fingerprints are computed on.
/// - The registry's normal form, used for identity: PCF's attributes and order, then
///   `default`, `aliases`, `doc`, `logicalType` and its parameters, `order`, then every
///   other property sorted by key. Unlike PCF it keeps what resolution needs (defaults,
///   aliases), so a schema re-parsed from it is equivalent to the original.
///
/// A named type is spelled out at its first occurrence and referred to by fullname after;
/// types from referenced schemas are always referred to by fullname.
enum AvroCanonicalForm {
    static func parsingCanonicalForm(of model: AvroModel) -> String {
        var writer = Writer(model: model, full: false, keepDoc: false)
        writer.write(model.root, enclosingNamespace: "")
        return writer.text
    }

    /// The normal form; `keepDoc: false` drops `doc` attributes (for `normalize: true`).
    static func normalForm(of model: AvroModel, keepDoc: Bool) -> String {
        var writer = Writer(model: model, full: true, keepDoc: keepDoc)
        writer.write(model.root, enclosingNamespace: "")
        return writer.text
    }

    private struct Writer {
        let model: AvroModel
        /// Whether to write the normal form (true) or PCF (false).
        let full: Bool
        let keepDoc: Bool
        /// UTF-8 of the text written so far; appending bytes is cheaper than growing a String.
        var output: [UInt8] = []
        var written: Set<String> = []

        init(model: AvroModel, full: Bool, keepDoc: Bool) {
            self.model = model
            self.full = full
            self.keepDoc = keepDoc
            self.written = model.externalNames
        }

        var text: String { String(decoding: output, as: UTF8.self) }

        private mutating func emit(_ text: String) { output.append(contentsOf: text.utf8) }

        mutating func write(_ schema: AvroSchema, enclosingNamespace: String) {
            switch schema {
            case .primitive(let primitive, let attributes):
                if !full || attributes.properties.isEmpty {
                    string(primitive.rawValue)
                } else {
                    emit("{\"type\":")
                    string(primitive.rawValue)
                    properties(attributes.properties)
                    emit("}")
                }
            case .array(let items, let attributes):
                emit("{\"type\":\"array\",\"items\":")
                write(items, enclosingNamespace: enclosingNamespace)
                if full { properties(attributes.properties) }
                emit("}")
            case .map(let values, let attributes):
                emit("{\"type\":\"map\",\"values\":")
                write(values, enclosingNamespace: enclosingNamespace)
                if full { properties(attributes.properties) }
                emit("}")
            case .union(let branches):
                emit("[")
                for (index, branch) in branches.enumerated() {
                    if index > 0 { emit(",") }
                    write(branch, enclosingNamespace: enclosingNamespace)
                }
                emit("]")
            case .named(let name):
                if written.contains(name) || model.namedTypes[name] == nil {
                    string(name)
                } else {
                    written.insert(name)
                    writeDefinition(model.namedTypes[name]!, enclosingNamespace: enclosingNamespace)
                }
            }
        }

        private mutating func writeDefinition(_ named: AvroNamedType, enclosingNamespace: String) {
            emit("{\"name\":")
            string(named.fullname)
            // A null-namespace name inside a namespaced type would otherwise inherit it.
            if full, named.namespace.isEmpty, !enclosingNamespace.isEmpty { emit(",\"namespace\":\"\"") }
            emit(",\"type\":")
            string(named.typeName)
            switch named.kind {
            case .record(let fields):
                emit(",\"fields\":[")
                for (index, field) in fields.enumerated() {
                    if index > 0 { emit(",") }
                    writeField(field, namespace: named.namespace)
                }
                emit("]")
            case .enumeration(let symbols, let defaultSymbol):
                emit(",\"symbols\":")
                emit(JSONValue.array(symbols.map(JSONValue.string)).serialized())
                if full, let defaultSymbol {
                    emit(",\"default\":")
                    string(defaultSymbol)
                }
            case .fixed(let size):
                emit(",\"size\":\(size)")
            }
            if full {
                aliasesAndDoc(named.aliases, named.doc)
                properties(named.attributes.properties)
            }
            emit("}")
        }

        private mutating func writeField(_ field: AvroField, namespace: String) {
            emit("{\"name\":")
            string(field.name)
            emit(",\"type\":")
            write(field.type, enclosingNamespace: namespace)
            if full {
                if let value = field.defaultValue {
                    emit(",\"default\":")
                    json(value)
                }
                aliasesAndDoc(field.aliases, field.doc)
                if let order = field.order {
                    emit(",\"order\":")
                    string(order)
                }
                properties(field.properties)
            }
            emit("}")
        }

        private mutating func aliasesAndDoc(_ aliases: [String], _ doc: String?) {
            if !aliases.isEmpty {
                emit(",\"aliases\":" + JSONValue.array(aliases.map(JSONValue.string)).serialized())
            }
            if keepDoc, let doc {
                emit(",\"doc\":")
                string(doc)
            }
        }

        /// Extra attributes: the logical type and its parameters first, then the rest sorted.
        private mutating func properties(_ properties: JSONObject) {
            let leading = ["logicalType", "precision", "scale"]
            for key in leading {
                if let value = properties[key] { member(key, value) }
            }
            let rest = properties.members.filter { !leading.contains($0.key) }
                .sorted { $0.key.unicodeScalars.lexicographicallyPrecedes($1.key.unicodeScalars) }
            for (key, value) in rest { member(key, value) }
        }

        private mutating func member(_ key: String, _ value: JSONValue) {
            emit(",")
            string(key)
            emit(":")
            json(value)
        }

        /// `value.serialized(sortedKeys: true)`, appended in place; scalars skip the
        /// intermediate string.
        private mutating func json(_ value: JSONValue) {
            switch value {
            case .null: emit("null")
            case .bool(let flag): emit(flag ? "true" : "false")
            case .number(let number): emit(number.text)
            case .string(let text): string(text)
            case .array, .object: value.write(to: &output, sortedKeys: true)
            }
        }

        private mutating func string(_ text: String) { JSONValue.writeString(text, to: &output) }
    }
}
