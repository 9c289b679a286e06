import SRPWire
import SchemaFormats
import SchemaRegistryClient
import SchemaRegistryCore
import SwiftProtobuf
import Synchronization

/// Serializes swift-protobuf messages for Kafka as Confluent's `KafkaProtobufSerializer` does:
/// the `.proto` schema registered under `subject` (or looked up, with `autoRegister` off) on
/// first use, then every message framed with its id and its message indexes (which message of
/// the file it is) before the protobuf bytes.
///
/// swift-protobuf keeps no descriptors at run time, so the schema is given as the `.proto` text
/// the message type was generated from; `Message.protoMessageName` must name a message it
/// declares. Imports other than `google/protobuf/*.proto` are `references` (registered subjects,
/// named by import path, as Confluent's rule is).
public final class KafkaProtobufSerializer<Message: SwiftProtobuf.Message>: Sendable {
    private let client: SchemaRegistryClient
    private let subject: String
    private let text: String
    private let references: [Srp_SchemaReference]
    private let autoRegister: Bool
    private let validate: Bool
    private let resolved = Mutex<(id: UInt32, indexes: [Int], schema: ParsedSchema)?>(nil)

    /// - Parameters:
    ///   - references: the schema's imports as registered subjects (name = import path).
    ///   - validate: check each message's bytes against the schema before writing them.
    public init(
        client: SchemaRegistryClient, subject: String, schema: String, references: [Srp_SchemaReference] = [],
        autoRegister: Bool = true, validate: Bool = false
    ) {
        self.client = client
        self.subject = subject
        self.text = schema
        self.references = references
        self.autoRegister = autoRegister
        self.validate = validate
    }

    /// The id the messages are framed with (registering or looking up the schema once).
    public func schemaID() async throws -> UInt32 { try await resolve().id }

    public func serialize(_ message: Message) async throws -> [UInt8] {
        let (id, indexes, schema) = try await resolve()
        let datum: [UInt8] = try message.serializedBytes()
        if validate,
            let errors = ProtobufFormat().validate(datum: datum[...], messageIndexes: indexes, against: schema),
            let first = errors.first
        {
            throw SerdesError("The message does not match schema \(id): \(first.instanceLocation): \(first.message)")
        }
        return KafkaWireFormat.frame(schemaID: SchemaID(id), messageIndexes: indexes, datum: datum)
    }

    private func resolve() async throws -> (id: UInt32, indexes: [Int], schema: ParsedSchema) {
        if let resolved = resolved.withLock({ $0 }) { return resolved }
        let request = Srp_RegisterSchemaRequest.with {
            $0.subject = subject
            $0.schemaType = .protobuf
            $0.schema = text
            $0.references = references
        }
        let id: UInt32
        if autoRegister {
            id = try await client.registerSchema(request).id
        } else {
            id = try await client.lookupSchema(
                .with {
                    $0.subject = subject
                    $0.schemaType = .protobuf
                    $0.schema = text
                    $0.references = references
                }
            ).schema.id
        }
        // The registry's copy (references resolved through it) is what the indexes refer to.
        let parsed = try await SchemaCache(client: client).schema(id: id)
        guard let compiled = parsed.model as? CompiledProtoFile,
            let indexes = ProtoMessagePath.indexes(of: Message.protoMessageName, in: compiled.file)
        else {
            throw SerdesError("Schema \(id) does not declare message \(Message.protoMessageName).")
        }
        resolved.withLock { $0 = (id, indexes, parsed) }
        return (id, indexes, parsed)
    }
}

/// Reads what ``KafkaProtobufSerializer`` (or Confluent's Protobuf serializers) wrote into
/// `Message`: the frame's id names the writer's schema (fetched once and cached), and its
/// message indexes must name `Message` in it (by full name), else the bytes are refused rather
/// than read as the wrong type.
public final class KafkaProtobufDeserializer<Message: SwiftProtobuf.Message>: Sendable {
    private let schemas: SchemaCache

    public init(client: SchemaRegistryClient) {
        self.schemas = SchemaCache(client: client)
    }

    public func deserialize(_ bytes: [UInt8]) async throws -> (schemaID: UInt32, message: Message) {
        if let bad = KafkaWireFormat.badMagic(bytes) { throw SerdesError(bad) }
        let frame = try KafkaWireFormat.unframe(bytes)
        var body = frame.body
        let indexes = try KafkaWireFormat.messageIndexes(&body)
        let id = UInt32(frame.schemaID)
        let schema = try await schemas.schema(id: id)
        guard let compiled = schema.model as? CompiledProtoFile else {
            throw SerdesError("Schema \(id) is a \(schema.type) schema, not a Protobuf one.")
        }
        guard let name = ProtoMessagePath.name(at: indexes, in: compiled.file) else {
            throw SerdesError("Message indexes \(indexes) name no message of schema \(id).")
        }
        guard name == Message.protoMessageName else {
            throw SerdesError("The bytes hold a \(name) (schema \(id)), not a \(Message.protoMessageName).")
        }
        do {
            return (id, try Message(serializedBytes: Array(body)))
        } catch {
            throw SerdesError("The bytes are not a valid \(name) (schema \(id)): \(error)")
        }
    }
}
