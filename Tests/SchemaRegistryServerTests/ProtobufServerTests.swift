import Foundation
import SRPWire
import SchemaRegistryClient
import SchemaRegistryTesting
import TestSupport
import Testing

/// Protobuf schemas through the real server: SRP and REST, identity across formatting,
/// references to other subjects, well-known types, compatibility verdicts and bad input.
@Suite("Protobuf through the server")
struct ProtobufServerTests {
    static let orderV1 = """
        syntax = "proto3";
        package shop;
        import "google/protobuf/timestamp.proto";
        message Order {
          string id = 1;
          int64 amount = 2;
          google.protobuf.Timestamp at = 3;
        }
        """

    private func register(
        _ client: SchemaRegistryClient, _ subject: String, _ text: String, references: [Srp_SchemaReference] = []
    ) async throws -> Srp_RegisterSchemaResponse {
        try await client.registerSchema(
            .with {
                $0.subject = subject
                $0.schemaType = .protobuf
                $0.schema = text
                $0.references = references
            })
    }

    @Test("registered, read back in canonical form; other formatting and comments share the id")
    func identity() async throws {
        try await withServer { server in
            let client = server.client()
            let first = try await register(client, "orders-value", Self.orderV1)
            let reformatted = "// the same\n" + Self.orderV1.replacingOccurrences(of: "\n  ", with: "\n      ")
            let second = try await register(client, "orders-copy", reformatted)
            #expect(second.id == first.id)
            let read = try await client.getSchemaById(.with { $0.id = first.id })
            #expect(read.schema.schemaType == .protobuf)
            #expect(read.schema.schema.contains("message Order"))
            let found = try await client.lookupSchema(
                .with {
                    $0.subject = "orders-value"
                    $0.schemaType = .protobuf
                    $0.schema = reformatted
                })
            #expect(found.schema.version == 1)
            await client.close()
        }
    }

    @Test("a schema importing another subject's schema by its import path")
    func references() async throws {
        try await withServer { server in
            let client = server.client()
            let common = """
                syntax = "proto3";
                package common;
                message Money { string currency = 1; int64 units = 2; }
                """
            let money = try await register(client, "money", common)
            let order = """
                syntax = "proto3";
                package shop;
                import "common/money.proto";
                message Order { common.Money total = 1; }
                """
            let reference = Srp_SchemaReference.with {
                $0.name = "common/money.proto"
                $0.subject = "money"
                $0.version = 1
            }
            let registered = try await register(client, "orders-value", order, references: [reference])
            #expect(registered.id != money.id)
            await #expect(throws: SchemaRegistryClientError.self, "an unresolvable import") {
                try await register(client, "orders-bad", order)
            }
            await client.close()
        }
    }

    @Test("compatibility: a removed field number reused with another type is refused at BACKWARD")
    func compatibility() async throws {
        try await withServer({ $0.registry.defaultCompatibility = .backward }) { server in
            let client = server.client()
            _ = try await register(client, "orders-value", Self.orderV1)
            let added = Self.orderV1.replacingOccurrences(
                of: "  google.protobuf.Timestamp at = 3;",
                with: "  google.protobuf.Timestamp at = 3;\n  string note = 4;")
            _ = try await register(client, "orders-value", added)
            let changed = Self.orderV1.replacingOccurrences(of: "int64 amount = 2;", with: "string amount = 2;")
            let check = try await client.checkCompatibility(
                .with {
                    $0.subject = "orders-value"
                    $0.schemaType = .protobuf
                    $0.schema = changed
                    $0.verbose = true
                })
            #expect(!check.isCompatible)
            #expect(check.messages.contains { $0.contains("FIELD") }, "\(check.messages)")
            await client.close()
        }
    }

    @Test("transitive levels look at every version: a number reused with another type two versions later")
    func transitive() async throws {
        for (level, accepted) in [(Srp_CompatibilityLevel.backward, true), (.backwardTransitive, false)] {
            try await withServer { server in
                let client = server.client()
                let subject = "t-value"
                _ = try await client.setConfig(
                    .with {
                        $0.subject = subject
                        $0.compatibility = level
                    })
                _ = try await register(client, subject, "syntax = \"proto3\"; message T { string a = 1; int64 b = 2; }")
                _ = try await register(client, subject, "syntax = \"proto3\"; message T { string a = 1; }")
                let third = "syntax = \"proto3\"; message T { string a = 1; string b = 2; }"
                do {
                    _ = try await register(client, subject, third)
                    #expect(accepted, "\(level) accepted a field number reused with another type")
                } catch let error as SchemaRegistryClientError {
                    #expect(!accepted, "\(level) refused: \(error)")
                    #expect(error.details.joined().contains("FIELD_SCALAR_KIND_CHANGED"), "\(error.details)")
                }
                await client.close()
            }
        }
    }

    @Test("bad input: a clear 42201 with a location, and the server keeps serving")
    func badInput() async throws {
        try await withServer { server in
            let client = server.client()
            for text in [
                "syntax = \"proto3\"; message A { int32 x = 1 }",
                "syntax = \"proto3\"; message A { Unknown x = 1; }",
                "syntax = \"proto3\"; message A { int32 x = 1; int32 y = 1; }",
                String(repeating: "message A { ", count: 10_000),
            ] {
                do {
                    _ = try await register(client, "bad", text)
                    Issue.record("accepted: \(text.prefix(60))")
                } catch let error as SchemaRegistryClientError {
                    #expect(error.code == .server(StatusCode(rawValue: 42201)), "\(error)")
                    #expect("\(error)".contains(":"), "a location: \(error)")
                }
            }
            _ = try await register(client, "good", Self.orderV1)
            await client.close()
        }
    }

    @Test("REST: PROTOBUF type, format=serialized round trip, JSON payload validation")
    func rest() async throws {
        try await withServer({ $0.restPort = 0 }) { server in
            let rest = try #require(server.restPort)
            let body = String(
                decoding: try JSONSerialization.data(withJSONObject: ["schema": Self.orderV1, "schemaType": "PROTOBUF"]
                ),
                as: UTF8.self)
            let registered = try await httpRequest(port: rest, "POST", "/subjects/orders-value/versions", body: body)
            #expect(registered.status == 200, "\(registered.body)")
            let id = try #require(
                (try JSONSerialization.jsonObject(with: Data(registered.body.utf8)) as? [String: Any])?["id"] as? Int)
            let answer = try await httpGet(port: rest, "/schemas/ids/\(id)?format=serialized")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any])
            #expect(object["schemaType"] as? String == "PROTOBUF")
            let serialized = try #require(object["schema"] as? String)
            #expect(!serialized.contains("message"), "base64, not text")
            let again = String(
                decoding: try JSONSerialization.data(withJSONObject: ["schema": serialized, "schemaType": "PROTOBUF"]),
                as: UTF8.self)
            let same = try await httpRequest(port: rest, "POST", "/subjects/orders-value/versions", body: again)
            #expect(same.body.contains("\"id\":\(id)"), "\(same.body)")
            let valid = try await httpRequest(
                port: rest, "POST", "/x-registry/v1/validate",
                body: #"{"id": \#(id), "payload": {"id": "o1", "amount": "12", "at": "2026-12-05T10:00:00Z"}}"#)
            #expect(valid.body.contains("\"valid\":true"), "\(valid.body)")
            let invalid = try await httpRequest(
                port: rest, "POST", "/x-registry/v1/validate", body: #"{"id": \#(id), "payload": {"amount": "x"}}"#)
            #expect(invalid.body.contains("\"valid\":false"), "\(invalid.body)")
        }
    }
}
