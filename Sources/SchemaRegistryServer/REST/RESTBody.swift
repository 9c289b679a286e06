import NIOCore
import NIOHTTP1
import SRPWire
import SchemaFormats
import SchemaRegistryCore

/// Request bodies: the media types accepted, JSON parsing with Confluent's error codes, and
/// Confluent's `RegisterSchemaRequest` read into SRP's fields.
enum RESTBody {
    /// Confluent's media types, plain JSON, and octet-stream (which Confluent's server also
    /// takes, and some clients send); parameters such as `charset` are ignored.
    static let acceptedMediaTypes: Set<String> = [
        "application/vnd.schemaregistry.v1+json", "application/vnd.schemaregistry+json", "application/json",
        "application/octet-stream",
    ]

    /// 415 unless the body's declared media type is one of ours (no `Content-Type` is taken as JSON).
    static func checkMediaType(_ headers: HTTPHeaders) throws {
        guard let declared = headers.first(name: "content-type") else { return }
        let type = declared.split(separator: ";").first.map { $0.trimmingSpaces().lowercased() } ?? ""
        guard acceptedMediaTypes.contains(type) else {
            throw RESTError(
                status: .unsupportedMediaType, code: 415,
                "Content-Type '\(EchoedText.message(declared, limit: 200))' is not supported: send "
                    + "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json or application/json."
            )
        }
    }

    /// The body as a JSON object: 400 when it is not JSON, 422 when it is JSON but not an object.
    static func object(_ body: ByteBuffer) throws -> JSONObject {
        var bytes = Array(body.readableBytesView)
        let value: JSONValue
        do {
            value = try JSONParser(maximumDepth: 128).parse(bytes: &bytes)
        } catch {
            throw RESTError(status: .badRequest, code: 400, "The request body is not valid JSON: \(error).")
        }
        guard case .object(let object) = value else {
            throw RESTError(
                status: .unprocessableEntity, code: 422,
                "The request body must be a JSON object, not \(value.typeName).")
        }
        return object
    }

    /// Confluent's `RegisterSchemaRequest` (register, lookup, compatibility). Fields this
    /// registry does not keep (`ruleSet`, metadata tags and sensitive paths) are refused with a
    /// message, never dropped; unknown fields are ignored, as Confluent's server ignores them.
    struct SchemaRequest {
        var schema = ""
        var type = Srp_SchemaType.avro
        var references: [Srp_SchemaReference] = []
        var metadata: [String: String] = [:]
        var id: UInt32 = 0
        var version: Int32 = 0
    }

    static func schemaRequest(_ body: ByteBuffer) throws -> SchemaRequest {
        let object = try object(body)
        var request = SchemaRequest()
        guard let schema = object["schema"], schema != .null else {
            throw RegistryError(.invalidSchema, "The request has no schema: send {\"schema\": \"...\"}.")
        }
        guard case .string(let text) = schema else {
            throw RegistryError(
                .invalidSchema, "schema must be a string holding the schema text, not \(schema.typeName).")
        }
        request.schema = text
        request.type = try schemaType(object["schemaType"])
        request.references = try references(object["references"])
        request.metadata = try metadata(object["metadata"])
        try refuseRules(object["ruleSet"])
        request.id = try optionalInt(object["id"], "id").map { UInt32(clamping: max(0, $0)) } ?? 0
        request.version = try optionalInt(object["version"], "version").map { Int32(clamping: $0) } ?? 0
        return request
    }

    static func schemaType(_ value: JSONValue?) throws -> Srp_SchemaType {
        guard let value, value != .null else { return .avro }
        guard case .string(let name) = value,
            let type = SchemaType.allCases.first(where: { $0.description == name.uppercased() })
        else {
            throw RegistryError(
                .invalidSchema, "Unknown schemaType \(value.serialized()): use AVRO (the default), JSON or PROTOBUF.")
        }
        return ProtoMapping.schemaType(type)
    }

    private static func references(_ value: JSONValue?) throws -> [Srp_SchemaReference] {
        guard let value, value != .null else { return [] }
        guard case .array(let items) = value else {
            throw RegistryError(.invalidSchema, "references must be an array of {name, subject, version}.")
        }
        return try items.enumerated().map { index, item in
            guard case .object(let reference) = item, case .string(let name)? = reference["name"],
                case .string(let subject)? = reference["subject"],
                let version = try optionalInt(reference["version"], "references[\(index)].version")
            else {
                throw RegistryError(
                    .invalidSchema,
                    "references[\(index)] must be {\"name\": string, \"subject\": string, \"version\": int}.")
            }
            return .with {
                $0.name = name
                $0.subject = subject
                $0.version = Int32(clamping: version)
            }
        }
    }

    /// `metadata.properties` is kept; `tags` and `sensitive` are Confluent data-contract
    /// features this registry does not keep, so a request carrying them is refused.
    private static func metadata(_ value: JSONValue?) throws -> [String: String] {
        guard let value, value != .null else { return [:] }
        guard case .object(let metadata) = value else {
            throw RegistryError(.invalidSchema, "metadata must be an object ({\"properties\": {...}}).")
        }
        for unsupported in ["tags", "sensitive"] where !isEmpty(metadata[unsupported]) {
            throw RegistryError(
                .invalidSchema,
                "metadata.\(unsupported) is not supported by this registry (metadata.properties is); remove it.")
        }
        guard let properties = metadata["properties"], properties != .null else { return [:] }
        guard case .object(let pairs) = properties else {
            throw RegistryError(.invalidSchema, "metadata.properties must be an object of strings.")
        }
        var result: [String: String] = [:]
        for (key, value) in pairs.members {
            guard case .string(let text) = value else {
                throw RegistryError(.invalidSchema, "metadata.properties.\(key) must be a string.")
            }
            result[key] = text
        }
        return result
    }

    private static func refuseRules(_ value: JSONValue?) throws {
        guard case .object(let rules)? = value else {
            if let value, value != .null {
                throw RegistryError(.invalidSchema, "ruleSet must be an object.")
            }
            return
        }
        if rules.members.contains(where: { !isEmpty($0.value) }) {
            throw RegistryError(
                .invalidSchema, "ruleSet (data contract rules) is not supported by this registry; remove it.")
        }
    }

    private static func isEmpty(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null?: true
        case .array(let items)?: items.isEmpty
        case .object(let object)?: object.isEmpty
        default: false
        }
    }

    static func optionalInt(_ value: JSONValue?, _ name: String) throws -> Int? {
        guard let value, value != .null else { return nil }
        guard case .number(let number) = value, number.isInteger, let exact = number.int64,
            let int = Int(exactly: exact)
        else {
            throw RESTError(status: .unprocessableEntity, code: 422, "\(name) must be an integer.")
        }
        return int
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var text = self
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }
}
