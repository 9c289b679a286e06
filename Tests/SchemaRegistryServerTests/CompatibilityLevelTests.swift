import Foundation
import SRPWire
import SchemaRegistryClient
import SchemaRegistryServer
import SchemaRegistryTesting
import TestSupport
import Testing

/// The seven levels enforced on register and reported by check, through the real server,
/// with real Avro schemas. Versions: v1 {a}, v2 {a, b with default}, v3 {a, b without default}.
/// v3 reads v2 data (b is there) but not v1 data (b missing, no default): so BACKWARD accepts
/// v3 and BACKWARD_TRANSITIVE refuses it.
@Suite("Compatibility levels through the registry")
struct CompatibilityLevelTests {
    static let v1 = #"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#
    static let v2 =
        #"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string","default":"x"}]}"#
    static let v3 = #"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"string"}]}"#
    /// Drops `a` (no default anywhere): old readers cannot read it.
    static let withoutA = #"{"type":"record","name":"R","fields":[{"name":"b","type":"string","default":"x"}]}"#

    private func registerHistory(_ client: SchemaRegistryClient, subject: String, level: Srp_CompatibilityLevel)
        async throws
    {
        _ = try await client.setConfig(
            .with {
                $0.subject = subject
                $0.compatibility = .none
            })
        for schema in [Self.v1, Self.v2] {
            _ = try await client.registerSchema(
                .with {
                    $0.subject = subject
                    $0.schema = schema
                })
        }
        _ = try await client.setConfig(
            .with {
                $0.subject = subject
                $0.compatibility = level
            })
    }

    private func register(_ client: SchemaRegistryClient, _ subject: String, _ schema: String) async -> Int? {
        do {
            _ = try await client.registerSchema(
                .with {
                    $0.subject = subject
                    $0.schema = schema
                })
            return nil
        } catch let error as SchemaRegistryClientError {
            return error.registryErrorCode
        } catch {
            return -1
        }
    }

    @Test(arguments: [
        (Srp_CompatibilityLevel.none, true, true),
        (.backward, true, true),
        (.backwardTransitive, false, true),
        (.forward, true, false),
        (.forwardTransitive, true, false),
        (.full, true, false),
        (.fullTransitive, false, false),
    ])
    func levelIsEnforced(level: Srp_CompatibilityLevel, acceptsV3: Bool, acceptsWithoutA: Bool) async throws {
        try await withServer { server in
            let client = server.client()
            defer { Task { await client.close() } }
            try await registerHistory(client, subject: "v3", level: level)
            try await registerHistory(client, subject: "drop", level: level)

            let v3Code = await register(client, "v3", Self.v3)
            #expect(acceptsV3 ? v3Code == nil : v3Code == 40901, "v3 under \(level): \(String(describing: v3Code))")
            let dropCode = await register(client, "drop", Self.withoutA)
            #expect(
                acceptsWithoutA ? dropCode == nil : dropCode == 40901,
                "dropping a under \(level): \(String(describing: dropCode))")
        }
    }

    @Test func checkReportsReasonsWhenVerbose() async throws {
        try await withServer { server in
            let client = server.client()
            defer { Task { await client.close() } }
            try await registerHistory(client, subject: "s", level: .backwardTransitive)
            let latestOnly = try await client.checkCompatibility(
                .with {
                    $0.subject = "s"
                    $0.schema = Self.v3
                    $0.verbose = true
                })
            #expect(latestOnly.isCompatible)
            let all = try await client.checkCompatibility(
                .with {
                    $0.subject = "s"
                    $0.schema = Self.v3
                    $0.allVersions = true
                    $0.verbose = true
                })
            #expect(!all.isCompatible && all.level == .backwardTransitive)
            #expect(
                all.messages.contains { $0.contains("READER_FIELD_MISSING_DEFAULT_VALUE") && $0.contains("Version 1") })
            let quiet = try await client.checkCompatibility(
                .with {
                    $0.subject = "s"
                    $0.schema = Self.v3
                    $0.allVersions = true
                })
            #expect(!quiet.isCompatible && quiet.messages.isEmpty)

            // Registration refused with the reasons in the error's details.
            let refused = await #expect(throws: SchemaRegistryClientError.self) {
                try await client.registerSchema(
                    .with {
                        $0.subject = "s"
                        $0.schema = Self.v3
                    })
            }
            #expect(refused?.registryErrorCode == 40901)
            #expect(refused?.details.contains { $0.contains("READER_FIELD_MISSING_DEFAULT_VALUE") } == true)
        }
    }

    /// Whitespace and key order never mint a new id.
    @Test func canonicalEqualitySharesTheID() async throws {
        try await withServer { server in
            let client = server.client()
            defer { Task { await client.close() } }
            let first = try await client.registerSchema(
                .with {
                    $0.subject = "a"
                    $0.schema = Self.v2
                })
            let reordered = #"""
                { "fields": [ {"type": "int", "name": "a"},
                              {"default": "x", "name": "b", "type": "string"} ],
                  "name": "R", "type": "record" }
                """#
            let second = try await client.registerSchema(
                .with {
                    $0.subject = "b"
                    $0.schema = reordered
                })
            #expect(second.id == first.id)
        }
    }

    @Test func invalidAvroIsRejectedWithTheProblem() async throws {
        try await withServer { server in
            let client = server.client()
            defer { Task { await client.close() } }
            let error = await #expect(throws: SchemaRegistryClientError.self) {
                try await client.registerSchema(
                    .with {
                        $0.subject = "bad"
                        $0.schema = #"{"type":"record","name":"R","fields":[{"name":"a","type":"lng"}]}"#
                    })
            }
            #expect(error?.registryErrorCode == 42201)
            #expect(error?.message.contains("/fields/0/type") == true, "\(error?.message ?? "")")
        }
    }

    @Test func payloadsValidateByIDAndBySubjectVersion() async throws {
        try await withServer { server in
            let client = server.client()
            defer { Task { await client.close() } }
            let avro = try await client.registerSchema(
                .with {
                    $0.subject = "avro"
                    $0.schema = Self.v2
                })
            let good = try await client.validatePayload(
                .with {
                    $0.id = avro.id
                    $0.payload = Data(#"{"a": 1, "b": "y"}"#.utf8)
                })
            #expect(good.valid && good.errors.isEmpty)
            let bad = try await client.validatePayload(
                .with {
                    $0.subjectVersion = .with {
                        $0.subject = "avro"
                        $0.version = 1
                    }
                    $0.payload = Data(#"{"a": "one", "b": "y"}"#.utf8)
                })
            #expect(!bad.valid && bad.errors.first?.instanceLocation == "/a")
        }
    }

    @Test func jsonPayloadsValidate() async throws {
        try await withServer { server in
            let client = server.client()
            defer { Task { await client.close() } }
            let json = try await client.registerSchema(
                .with {
                    $0.subject = "json"
                    $0.schemaType = .json
                    $0.schema =
                        #"{"type":"object","properties":{"age":{"type":"integer","minimum":0}},"required":["age"]}"#
                })
            let invalid = try await client.validatePayload(
                .with {
                    $0.id = json.id
                    $0.payload = Data(#"{"age": -1}"#.utf8)
                })
            #expect(!invalid.valid)
            #expect(invalid.errors.contains { $0.instanceLocation == "/age" && $0.schemaLocation.hasSuffix("minimum") })
        }
    }

    /// A schema without `$schema` is read in the configured default draft: draft 4's boolean
    /// `exclusiveMaximum` is valid there and invalid in 2020-12.
    @Test func jsonSchemaDefaultDraftIsConfigurable() async throws {
        let draft4Only = #"{"type":"number","maximum":5,"exclusiveMaximum":true}"#
        try await withServer({ try! ServerSettings.apply(["json-schema-default-draft": "4"], to: &$0) }) { server in
            let client = server.client()
            let registered = try await client.registerSchema(
                .with {
                    $0.subject = "d4"
                    $0.schemaType = .json
                    $0.schema = draft4Only
                })
            let atBound = try await client.validatePayload(
                .with {
                    $0.id = registered.id
                    $0.payload = Data("5".utf8)
                })
            #expect(!atBound.valid)
            await client.close()
        }
        try await withServer { server in
            let client = server.client()
            let refused = await #expect(throws: SchemaRegistryClientError.self) {
                try await client.registerSchema(
                    .with {
                        $0.subject = "d4"
                        $0.schemaType = .json
                        $0.schema = draft4Only
                    })
            }
            #expect(refused?.registryErrorCode == 42201)
            await client.close()
        }
    }

    /// By default a schema without `$schema` is draft-07, as Confluent reads it: array-form
    /// `items` (a tuple, refused by 2020-12) registers, and `additionalItems` closes the tuple.
    @Test func jsonSchemaWithoutDollarSchemaIsDraft07ByDefault() async throws {
        let tuple = #"{"type":"array","items":[{"type":"string"},{"type":"integer"}],"additionalItems":false}"#
        try await withServer { server in
            let client = server.client()
            let registered = try await client.registerSchema(
                .with {
                    $0.subject = "tuple"
                    $0.schemaType = .json
                    $0.schema = tuple
                })
            let fits = try await client.validatePayload(
                .with {
                    $0.id = registered.id
                    $0.payload = Data(#"["a", 1]"#.utf8)
                })
            #expect(fits.valid)
            let tooLong = try await client.validatePayload(
                .with {
                    $0.id = registered.id
                    $0.payload = Data(#"["a", 1, 2]"#.utf8)
                })
            #expect(!tooLong.valid)
            await client.close()
        }
    }

    /// JSON Schema through the registry: key order and whitespace share the id; removing a
    /// property from a closed model breaks BACKWARD (old documents with it become invalid).
    @Test func jsonSchemaLevelsAndIdentity() async throws {
        try await withServer({ $0.registry.defaultCompatibility = .backward }) { server in
            let client = server.client()
            defer { Task { await client.close() } }
            let v1 =
                #"{"type":"object","properties":{"id":{"type":"integer"},"name":{"type":"string"}},"additionalProperties":false}"#
            let first = try await client.registerSchema(
                .with {
                    $0.subject = "customer"
                    $0.schemaType = .json
                    $0.schema = v1
                })
            let same = try await client.registerSchema(
                .with {
                    $0.subject = "customer-copy"
                    $0.schemaType = .json
                    $0.schema = #"""
                        { "additionalProperties": false,
                          "properties": { "name": {"type": "string"}, "id": {"type": "integer"} },
                          "type": "object" }
                        """#
                })
            #expect(same.id == first.id)

            let narrowed = #"{"type":"object","properties":{"id":{"type":"integer"}},"additionalProperties":false}"#
            let refused = await #expect(throws: SchemaRegistryClientError.self) {
                try await client.registerSchema(
                    .with {
                        $0.subject = "customer"
                        $0.schemaType = .json
                        $0.schema = narrowed
                    })
            }
            #expect(refused?.registryErrorCode == 40901)
            #expect(refused?.details.contains { $0.contains("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL") } == true)

            // Widening a closed model's property type is backward compatible.
            let widened =
                #"{"type":"object","properties":{"id":{"type":"number"},"name":{"type":"string"}},"additionalProperties":false}"#
            let accepted = try await client.registerSchema(
                .with {
                    $0.subject = "customer"
                    $0.schemaType = .json
                    $0.schema = widened
                })
            #expect(accepted.version == 2)
        }
    }
}
