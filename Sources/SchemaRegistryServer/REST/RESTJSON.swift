import SRPWire
import SchemaFormats
import SchemaRegistryCore

/// Confluent's JSON entities, from and to SRP's messages (the REST API calls the same handlers
/// as SRP, so both doors answer the same thing). Optional members are left out when empty and
/// `schemaType` is left out for Avro, as Confluent's server does.
enum RESTJSON {
    /// `SchemaString`: the answer of `GET /schemas/ids/{id}`.
    static func schemaString(_ schema: Srp_Schema) -> JSONValue {
        var object = JSONObject()
        object["schema"] = .string(schema.schema)
        addType(schema.schemaType, to: &object)
        addReferences(schema.references, to: &object)
        object["guid"] = .string(guid(id: schema.id, type: schema.schemaType, text: schema.schema))
        return .object(object)
    }

    /// `Schema`: a version under a subject.
    static func schemaVersion(_ record: Srp_SchemaVersion) -> JSONValue {
        var object = JSONObject()
        object["subject"] = .string(record.subject)
        object["version"] = int(Int(record.version))
        object["id"] = int(Int(record.id))
        object["guid"] = .string(guid(id: record.id, type: record.schemaType, text: record.schema))
        addType(record.schemaType, to: &object)
        addReferences(record.references, to: &object)
        if !record.metadata.isEmpty {
            let properties = record.metadata.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.string($0.value)) }
            object["metadata"] = .object(JSONObject([("properties", .object(JSONObject(properties)))]))
        }
        object["schema"] = .string(record.schema)
        if record.deleted { object["deleted"] = .bool(true) }
        return .object(object)
    }

    static func subjectVersion(_ pair: Srp_SubjectVersion) -> JSONValue {
        .object(JSONObject([("subject", .string(pair.subject)), ("version", int(Int(pair.version)))]))
    }

    static func int(_ value: Int) -> JSONValue { .number(JSONNumber(value)) }

    static func ints(_ values: some Sequence<some BinaryInteger>) -> JSONValue {
        .array(values.map { int(Int($0)) })
    }

    static func strings(_ values: [String]) -> JSONValue { .array(values.map(JSONValue.string)) }

    static func object(_ members: [(String, JSONValue)]) -> JSONValue {
        .object(JSONObject(members.map { (key: $0.0, value: $0.1) }))
    }

    private static func addType(_ type: Srp_SchemaType, to object: inout JSONObject) {
        if type != .avro, let known = SchemaType(rawValue: type.rawValue) {
            object["schemaType"] = .string(known.description)
        }
    }

    private static func addReferences(_ references: [Srp_SchemaReference], to object: inout JSONObject) {
        guard !references.isEmpty else { return }
        object["references"] = .array(
            references.map { reference in
                Self.object([
                    ("name", .string(reference.name)), ("subject", .string(reference.subject)),
                    ("version", int(Int(reference.version))),
                ])
            })
    }

    private static func guid(id: UInt32, type: Srp_SchemaType, text: String) -> String {
        SchemaGUID.of(
            StoredSchema(
                id: SchemaID(id), type: SchemaType(rawValue: type.rawValue) ?? .avro, text: text, references: []))
    }
}
