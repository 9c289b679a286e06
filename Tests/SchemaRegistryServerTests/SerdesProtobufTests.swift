import Foundation
import SRPWire
import SchemaFormats
import SchemaRegistryClient
import SchemaRegistryCore
import SchemaRegistrySerdes
import SchemaRegistryTesting
import SwiftProtobuf
import TestSupport
import Testing

/// The Swift Protobuf serializers against the real server (message indexes, references, damage),
/// and against confluent-kafka's own Protobuf serdes over the REST API.
@Suite("Kafka Protobuf serializers")
struct SerdesProtobufTests {
    /// What swift-protobuf's `Google_Protobuf_Timestamp` was generated from (comments left out).
    static let timestamp = """
        syntax = "proto3";
        package google.protobuf;
        message Timestamp { int64 seconds = 1; int32 nanos = 2; }
        """
    /// A file whose second message has the nested `ReservedRange` second: indexes [1, 1].
    static let ranges = """
        syntax = "proto2";
        package google.protobuf;
        message First { optional string x = 1; }
        message DescriptorProto {
          optional string name = 1;
          message ExtensionRange { optional int32 start = 1; }
          message ReservedRange { optional int32 start = 1; optional int32 end = 2; }
        }
        """

    @Test("round trips with message indexes; a nested message; the wrong type, damage and unknown ids are named")
    func roundTrips() async throws {
        try await withServer { server in
            let client = server.client()
            let serializer = KafkaProtobufSerializer<Google_Protobuf_Timestamp>(
                client: client, subject: "clock-value", schema: Self.timestamp, validate: true)
            let now = Google_Protobuf_Timestamp(seconds: 1_700_000_000, nanos: 5)
            let bytes = try await serializer.serialize(now)
            let id = try await serializer.schemaID()
            #expect(Array(bytes.prefix(6)) == [0, 0, 0, 0, UInt8(id), 0])  // [0] is written as one 0 byte
            let (readID, read) = try await KafkaProtobufDeserializer<Google_Protobuf_Timestamp>(client: client)
                .deserialize(bytes)
            #expect(readID == id && read == now)
            let check = try await client.validatePayload(.with { $0.payload = Data(bytes) })
            #expect(check.valid, "\(check.errors)")

            let nested = KafkaProtobufSerializer<Google_Protobuf_DescriptorProto.ReservedRange>(
                client: client, subject: "ranges-value", schema: Self.ranges)
            let range = Google_Protobuf_DescriptorProto.ReservedRange.with {
                $0.start = 3
                $0.end = 9
            }
            let framed = try await nested.serialize(range)
            var body = try KafkaWireFormat.unframe(framed).body
            #expect(try KafkaWireFormat.messageIndexes(&body) == [1, 1])
            let back = try await KafkaProtobufDeserializer<Google_Protobuf_DescriptorProto.ReservedRange>(
                client: client
            ).deserialize(framed)
            #expect(back.message == range)

            // The frame says Timestamp: read as a Duration, it is refused, not misread.
            let wrongType = KafkaProtobufDeserializer<Google_Protobuf_Duration>(client: client)
            await #expect(throws: SerdesError.self) { try await wrongType.deserialize(bytes) }
            let reader = KafkaProtobufDeserializer<Google_Protobuf_Timestamp>(client: client)
            await #expect(throws: (any Error).self) { try await reader.deserialize([1] + bytes.dropFirst()) }
            await #expect(throws: (any Error).self) { try await reader.deserialize(Array(bytes.prefix(3))) }
            await #expect(throws: (any Error).self) {
                try await reader.deserialize(KafkaWireFormat.frame(schemaID: 999_999, messageIndexes: [0], datum: []))
            }
            // Indexes that point past the file's messages.
            await #expect(throws: SerdesError.self) {
                try await reader.deserialize(
                    KafkaWireFormat.frame(schemaID: SchemaID(id), messageIndexes: [4], datum: []))
            }
            // A message the schema does not declare cannot be serialized under it.
            let undeclared = KafkaProtobufSerializer<Google_Protobuf_Duration>(
                client: client, subject: "clock-value", schema: Self.timestamp)
            await #expect(throws: SerdesError.self) { try await undeclared.serialize(Google_Protobuf_Duration()) }
            await client.close()
        }
    }

    @Test("bytes cross to confluent-kafka's ProtobufDeserializer and back (over the REST API)")
    func crossLanguage() async throws {
        guard (try? await shell("python3 -c 'import confluent_kafka, google.protobuf'"))?.status == 0 else {
            ExternalService.missing(
                "confluent-kafka is missing: scripts/test.sh installs tests/python/requirements.txt",
                note: "confluent-kafka missing; cross-language round trip not run")
            return
        }
        try await withServer({ $0.restPort = 0 }) { server in
            let rest = try #require(server.restPort)
            let client = server.client()
            let serializer = KafkaProtobufSerializer<Google_Protobuf_Timestamp>(
                client: client, subject: "ticks-value", schema: Self.timestamp)
            let ours = try await serializer.serialize(Google_Protobuf_Timestamp(seconds: 42, nanos: 7))
            let hex = SerdesCrossLanguage.hex(ours)
            let script = """
                from confluent_kafka.schema_registry import SchemaRegistryClient
                from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
                from confluent_kafka.serialization import MessageField, SerializationContext
                from google.protobuf import timestamp_pb2
                client = SchemaRegistryClient({"url": "http://127.0.0.1:\(rest)"})
                ctx = SerializationContext("ticks", MessageField.VALUE)
                conf = {"use.deprecated.format": False}
                read = ProtobufDeserializer(timestamp_pb2.Timestamp, conf)(bytes.fromhex("\(hex)"), ctx)
                print(read.seconds, read.nanos)
                theirs = ProtobufSerializer(timestamp_pb2.Timestamp, client, conf)
                print(theirs(timestamp_pb2.Timestamp(seconds=9, nanos=1), SerializationContext("their-ticks", MessageField.VALUE)).hex())
                """
            let (status, output, lines) = try await SerdesCrossLanguage.run(script)
            #expect(status == 0, "\(output)")
            #expect(lines.first == "42 7", "\(output)")
            let theirs = SerdesCrossLanguage.bytes(hex: try #require(lines.last))
            // Their schema is the whole timestamp.proto (comments, options): read through its id.
            let decoded = try await KafkaProtobufDeserializer<Google_Protobuf_Timestamp>(client: client)
                .deserialize(theirs)
            #expect(decoded.message == Google_Protobuf_Timestamp(seconds: 9, nanos: 1))
            await client.close()
        }
    }
}
