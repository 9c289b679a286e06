import Foundation
import SRPWire
import SchemaRegistryClient
import SchemaRegistryServer
import SchemaRegistryTesting
import TestSupport
import Testing

/// Issue 13 item 9 through the real server: a schema Confluent accepts (an Avro field default
/// that does not match its type) registers with a warning in the response; its invalid default
/// counts as none in compatibility checks; `avro-validate-defaults on` refuses it.
@Suite("Avro invalid defaults through the registry")
struct AvroInvalidDefaultsTests {
    static let v1 = #"{"type":"record","name":"R","fields":[{"name":"id","type":"long"}]}"#
    /// Adds `note` with the string "null" as default for `["null","string"]` (the default must be
    /// JSON null: it matches the first branch).
    static let v2 =
        #"{"type":"record","name":"R","fields":[{"name":"id","type":"long"},{"name":"note","type":["null","string"],"default":"null"}]}"#

    private func register(_ client: SchemaRegistryClient, _ text: String) async throws -> Srp_RegisterSchemaResponse {
        try await client.registerSchema(
            .with {
                $0.subject = "imported"
                $0.schema = text
            })
    }

    private func setLevel(_ client: SchemaRegistryClient, _ level: Srp_CompatibilityLevel) async throws {
        _ = try await client.setConfig(
            .with {
                $0.subject = "imported"
                $0.compatibility = level
            })
    }

    @Test func registersWithAWarningAndCountsAsNoDefault() async throws {
        try await withServer { server in
            let client = server.client()
            try await setLevel(client, .backward)
            let first = try await register(client, Self.v1)
            #expect(first.warnings.isEmpty)
            // BACKWARD (the default level): v2 must read v1's data, which has no `note`; an
            // invalid default cannot fill it in, so this is refused, as if there were none.
            let refused = await #expect(throws: SchemaRegistryClientError.self) {
                try await register(client, Self.v2)
            }
            #expect(refused?.registryErrorCode == 40901)
            try await setLevel(client, .none)
            let second = try await register(client, Self.v2)
            #expect(second.created)
            #expect(second.warnings.count == 1)
            #expect(second.warnings.first?.contains("field 'note' of record 'R'") == true)
            // Re-registering finds it (identity keeps the default as written) and warns again.
            let again = try await register(client, Self.v2)
            #expect(!again.created)
            #expect(again.id == second.id)
            #expect(again.warnings.count == 1)
            let stored = try await client.getSchemaById(.with { $0.id = second.id })
            #expect(stored.schema.schema.contains(#""default":"null""#))
            await client.close()
        }
    }

    @Test func refusedWhenDefaultsAreValidated() async throws {
        try await withServer({ try! ServerSettings.apply(["avro-validate-defaults": "on"], to: &$0) }) { server in
            let client = server.client()
            let refused = await #expect(throws: SchemaRegistryClientError.self) {
                try await register(client, Self.v2)
            }
            #expect(refused?.registryErrorCode == 42201)
            await client.close()
        }
    }
}
