import SRPWire
import SchemaFormats
import SchemaRegistryClient
import SchemaRegistryCore
import Synchronization

/// Serializes values for Kafka as Confluent's serializers do: the schema registered under
/// `subject` (or looked up, with `autoRegister` off) on first use, then every value framed with
/// its id (``KafkaWireFormat``): Avro values in Avro's binary encoding, JSON values as JSON text.
///
/// Values are given in Avro's JSON encoding for Avro (unions wrapped as `{"branch": value}`)
/// and as plain JSON for JSON Schema. Bytes it writes are read by confluent-kafka's and
/// Confluent's Java deserializers.
public final class KafkaSerializer: Sendable {
    private let client: SchemaRegistryClient
    private let subject: String
    private let type: SchemaType
    private let text: String
    private let autoRegister: Bool
    private let validate: Bool
    private let resolved = Mutex<(id: UInt32, schema: ParsedSchema)?>(nil)

    /// - Parameters:
    ///   - subject: e.g. `orders-value` (Confluent's TopicNameStrategy: `<topic>-value`).
    ///   - validate: check JSON values against the JSON Schema before writing them.
    public init(
        client: SchemaRegistryClient, subject: String, type: SchemaType, schema: String, autoRegister: Bool = true,
        validate: Bool = true
    ) {
        self.client = client
        self.subject = subject
        self.type = type
        self.text = schema
        self.autoRegister = autoRegister
        self.validate = validate
    }

    /// The id the values are framed with (registering or looking up the schema once).
    public func schemaID() async throws -> UInt32 { try await resolve().id }

    public func serialize(_ value: JSONValue) async throws -> [UInt8] {
        let (id, schema) = try await resolve()
        let datum: [UInt8]
        switch type {
        case .avro:
            datum = try AvroBinaryCodec.encode(value, schema: schema)
        case .json:
            datum = Array(value.serialized().utf8)
            if validate, let errors = JSONSchemaFormat().validate(payload: datum, against: schema),
                let first = errors.first
            {
                throw SerdesError("The value does not match schema \(id): \(first.instanceLocation): \(first.message)")
            }
        case .protobuf:
            throw SerdesError("Protobuf messages are serialized by KafkaProtobufSerializer.")
        }
        return KafkaWireFormat.frame(schemaID: SchemaID(id), datum: datum)
    }

    private func resolve() async throws -> (id: UInt32, schema: ParsedSchema) {
        if let resolved = resolved.withLock({ $0 }) { return resolved }
        let schemaType = Srp_SchemaType(rawValue: type.rawValue) ?? .avro
        let id: UInt32
        if autoRegister {
            id = try await client.registerSchema(
                .with {
                    $0.subject = subject
                    $0.schemaType = schemaType
                    $0.schema = text
                }
            ).id
        } else {
            id = try await client.lookupSchema(
                .with {
                    $0.subject = subject
                    $0.schemaType = schemaType
                    $0.schema = text
                }
            ).schema.id
        }
        let parsed = try SchemaCache.parse(type: type, text: text)
        resolved.withLock { $0 = (id, parsed) }
        return (id, parsed)
    }
}

/// Reads what ``KafkaSerializer`` (or Confluent's serializers) wrote: the frame's id names the
/// schema, fetched once and cached; Avro datums come back in Avro's JSON encoding.
public final class KafkaDeserializer: Sendable {
    private let schemas: SchemaCache

    public init(client: SchemaRegistryClient) {
        self.schemas = SchemaCache(client: client)
    }

    public func deserialize(_ bytes: [UInt8]) async throws -> (schemaID: UInt32, value: JSONValue) {
        if let bad = KafkaWireFormat.badMagic(bytes) { throw SerdesError(bad) }
        let frame = try KafkaWireFormat.unframe(bytes)
        let id = UInt32(frame.schemaID)
        let schema = try await schemas.schema(id: id)
        switch schema.type {
        case .avro:
            return (id, try AvroBinaryCodec.decode(frame.body, schema: schema))
        case .json:
            var text = Array(frame.body)
            return (id, try JSONParser().parse(bytes: &text))
        case .protobuf:
            throw SerdesError("Schema \(id) is a Protobuf schema: read it with KafkaProtobufDeserializer.")
        }
    }
}
