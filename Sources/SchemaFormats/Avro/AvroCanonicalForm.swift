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
        return writer.output
    }

    /// The normal form; `keepDoc: false` drops `doc` attributes (for `normalize: true`).
    static func normalForm(of model: AvroModel, keepDoc: Bool) -> String {
        var writer = Writer(model: model, full: true, keepDoc: keepDoc)
        writer.write(model.root, enclosingNamespace: "")
        return writer.output
    }

    private struct Writer {
        let model: AvroModel
        /// Whether to write the normal form (true) or PCF (false).
        let full: Bool
        let keepDoc: Bool
        var output = ""
        var written: Set<String> = []

        init(model: AvroModel, full: Bool, keepDoc: Bool) {
            self.model = model
            self.full = full
            self.keepDoc = keepDoc
            self.written = model.externalNames
        }

        mutating func write(_ schema: AvroSchema, enclosingNamespace: String) {
            switch schema {
            case .primitive(let primitive, let attributes):
                if !full || attributes.properties.isEmpty {
                    string(primitive.rawValue)
                } else {
                    output += "{\"type\":"
                    string(primitive.rawValue)
                    properties(attributes.properties)
                    output += "}"
                }
            case .array(let items, let attributes):
                output += "{\"type\":\"array\",\"items\":"
                write(items, enclosingNamespace: enclosingNamespace)
                if full { properties(attributes.properties) }
                output += "}"
            case .map(let values, let attributes):
                output += "{\"type\":\"map\",\"values\":"
                write(values, enclosingNamespace: enclosingNamespace)
                if full { properties(attributes.properties) }
                output += "}"
            case .union(let branches):
                output += "["
                for (index, branch) in branches.enumerated() {
                    if index > 0 { output += "," }
                    write(branch, enclosingNamespace: enclosingNamespace)
                }
                output += "]"
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
            output += "{\"name\":"
            string(named.fullname)
            // A null-namespace name inside a namespaced type would otherwise inherit it.
            if full, named.namespace.isEmpty, !enclosingNamespace.isEmpty { output += ",\"namespace\":\"\"" }
            output += ",\"type\":"
            string(named.typeName)
            switch named.kind {
            case .record(let fields):
                output += ",\"fields\":["
                for (index, field) in fields.enumerated() {
                    if index > 0 { output += "," }
                    writeField(field, namespace: named.namespace)
                }
                output += "]"
            case .enumeration(let symbols, let defaultSymbol):
                output += ",\"symbols\":"
                output += JSONValue.array(symbols.map(JSONValue.string)).serialized()
                if full, let defaultSymbol {
                    output += ",\"default\":"
                    string(defaultSymbol)
                }
            case .fixed(let size):
                output += ",\"size\":\(size)"
            }
            if full {
                aliasesAndDoc(named.aliases, named.doc)
                properties(named.attributes.properties)
            }
            output += "}"
        }

        private mutating func writeField(_ field: AvroField, namespace: String) {
            output += "{\"name\":"
            string(field.name)
            output += ",\"type\":"
            write(field.type, enclosingNamespace: namespace)
            if full {
                if let value = field.defaultValue { output += ",\"default\":" + value.serialized(sortedKeys: true) }
                aliasesAndDoc(field.aliases, field.doc)
                if let order = field.order {
                    output += ",\"order\":"
                    string(order)
                }
                properties(field.properties)
            }
            output += "}"
        }

        private mutating func aliasesAndDoc(_ aliases: [String], _ doc: String?) {
            if !aliases.isEmpty {
                output += ",\"aliases\":" + JSONValue.array(aliases.map(JSONValue.string)).serialized()
            }
            if keepDoc, let doc {
                output += ",\"doc\":"
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
            output += ","
            string(key)
            output += ":" + value.serialized(sortedKeys: true)
        }

        private mutating func string(_ text: String) { JSONValue.writeString(text, to: &output) }
    }
}
