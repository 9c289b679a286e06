import Foundation
import SRPWire
import SchemaFormats
import SchemaRegistryClient
import SchemaRegistryCore
import SchemaRegistrySerdes
import SchemaRegistryTesting
import TestSupport
import Testing

/// The Swift Kafka serializers against the real server, and against confluent-kafka's own
/// (Python) deserializer and serializer over the REST API: bytes cross both ways.
@Suite("Kafka serializers")
struct SerdesTests {
    static let user =
        #"{"type":"record","name":"User","namespace":"com.example","fields":[{"name":"id","type":"long"},{"name":"name","type":["null","string"],"default":null}]}"#
    static let ada = JSONValue.object(
        JSONObject([("id", .number(JSONNumber(7))), ("name", .object(JSONObject([("string", .string("Ada"))])))]))

    @Test("Avro and JSON round trips; the server validates the framed bytes; damage is named")
    func roundTrips() async throws {
        try await withServer { server in
            let client = server.client()
            let serializer = KafkaSerializer(client: client, subject: "users-value", type: .avro, schema: Self.user)
            let bytes = try await serializer.serialize(Self.ada)
            #expect(bytes.prefix(1) == [0])
            let (id, value) = try await KafkaDeserializer(client: client).deserialize(bytes)
            #expect(id == (try await serializer.schemaID()))
            #expect(value == Self.ada)
            let check = try await client.validatePayload(.with { $0.payload = Data(bytes) })
            #expect(check.valid, "\(check.errors)")

            let json = KafkaSerializer(
                client: client, subject: "orders-value", type: .json,
                schema: #"{"type":"object","properties":{"n":{"type":"integer"}},"required":["n"]}"#)
            let order = try await json.serialize(.object(JSONObject([("n", .number(JSONNumber(3)))])))
            #expect(try await KafkaDeserializer(client: client).deserialize(order).value["n"] == .number(JSONNumber(3)))
            await #expect(throws: SerdesError.self) { try await json.serialize(.object(JSONObject())) }

            let deserializer = KafkaDeserializer(client: client)
            await #expect(throws: (any Error).self) { try await deserializer.deserialize([1] + bytes.dropFirst()) }
            await #expect(throws: (any Error).self) { try await deserializer.deserialize([0, 0, 1]) }
            await #expect(throws: (any Error).self) { try await deserializer.deserialize(Array(bytes.dropLast())) }
            await #expect(throws: (any Error).self) {
                try await deserializer.deserialize(KafkaWireFormat.frame(schemaID: 999_999, datum: [2]))
            }
            await client.close()
        }
    }

    @Test("bytes cross to confluent-kafka's deserializer and back (over the REST API)")
    func crossLanguage() async throws {
        guard (try? await shell("python3 -c 'import confluent_kafka, fastavro'"))?.status == 0 else {
            ExternalService.missing(
                "confluent-kafka is missing: scripts/test.sh installs tests/python/requirements.txt",
                note: "confluent-kafka missing; cross-language round trip not run")
            return
        }
        try await withServer({ $0.restPort = 0 }) { server in
            let rest = try #require(server.restPort)
            let client = server.client()
            let serializer = KafkaSerializer(client: client, subject: "users-value", type: .avro, schema: Self.user)
            let ours = try await serializer.serialize(Self.ada)
            let hex = SerdesCrossLanguage.hex(ours)
            let script = """
                import json, sys
                from confluent_kafka.schema_registry import SchemaRegistryClient
                from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer
                from confluent_kafka.serialization import MessageField, SerializationContext
                client = SchemaRegistryClient({"url": "http://127.0.0.1:\(rest)"})
                ctx = SerializationContext("users", MessageField.VALUE)
                print(json.dumps(AvroDeserializer(client)(bytes.fromhex("\(hex)"), ctx)))
                schema = '\(Self.user)'
                print(AvroSerializer(client, schema)({"id": 8, "name": None}, ctx).hex())
                """
            let (status, output, lines) = try await SerdesCrossLanguage.run(script)
            #expect(status == 0, "\(output)")
            #expect(lines.first == #"{"id": 7, "name": "Ada"}"#, "\(output)")
            let theirs = SerdesCrossLanguage.bytes(hex: try #require(lines.last))
            let decoded = try await KafkaDeserializer(client: client).deserialize(theirs)
            #expect(decoded.value["id"] == .number(JSONNumber(8)))
            #expect(decoded.value["name"] == .null)
            await client.close()
        }
    }
}
