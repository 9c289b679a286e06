import Foundation
import SRPWire
import SchemaRegistryCore
import SchemaRegistryServer
import SchemaRegistryTesting
import TestSupport
import Testing

@Suite("Server settings")
struct ServerSettingsTests {
    @Test func configFileLinesParse() throws {
        let settings = try ServerSettings.parseFile(
            """
            # a comment
            port = 9000
            data-dir = /var/lib/sr   # trailing comment

            default-compatibility = full_transitive
            """)
        #expect(settings == ["port": "9000", "data-dir": "/var/lib/sr", "default-compatibility": "full_transitive"])
        var configuration = ServerConfiguration()
        try ServerSettings.apply(settings, to: &configuration)
        #expect(configuration.port == 9000)
        #expect(configuration.dataDirectory == "/var/lib/sr")
        #expect(configuration.registry.defaultCompatibility == .fullTransitive)
    }

    @Test func environmentNamesAreDerivedFromKeys() {
        let settings = ServerSettings.fromEnvironment([
            "SCHEMA_REGISTRY_DATA_DIR": "/data", "SCHEMA_REGISTRY_TOKEN_RATE": "50", "UNRELATED": "x",
        ])
        #expect(settings == ["data-dir": "/data", "token-rate": "50"])
    }

    @Test func everyDocumentedKeyIsAccepted() throws {
        var configuration = ServerConfiguration()
        let values: [String: String] = [
            "compression": "off", "default-compatibility": "NONE", "host": "::1", "data-dir": "/tmp/x",
            "server-id": "a", "store": "postgres://u@127.0.0.1:5432/db", "json-schema-default-draft": "2019-09",
            "cache": "redis://127.0.0.1:6379", "cache-key-prefix": "reg1:", "auth": "off",
            "tls-min-version": "1.3", "avro-validate-defaults": "on", "watch": "off",
        ]
        for (key, _, _) in ServerSettings.keys where !key.hasPrefix("cost.") {
            try ServerSettings.apply([key: values[key] ?? "7"], to: &configuration)
        }
        #expect(configuration.compression == false)
        #expect(configuration.avroValidateDefaults)
        #expect(configuration.watch == false)
        #expect(configuration.store == "postgres://u@127.0.0.1:5432/db")
        #expect(configuration.connection.maxInFlight == 7)
        #expect(configuration.cache == "redis://127.0.0.1:6379")
        #expect(configuration.authentication == .disabled)
        #expect(configuration.cacheKeyPrefix == "reg1:")
        #expect(configuration.cacheMappingTTL == .milliseconds(7))
        #expect(configuration.cacheTimeout == .milliseconds(7))
    }

    @Test func badSettingsAreRefusedWithTheirName() {
        var configuration = ServerConfiguration()
        for (settings, mention) in [
            (["colour": "blue"], "unknown setting 'colour'"), (["port": "-1"], "port"),
            (["compression": "maybe"], "compression"), (["store": "mysql://x"], "neither sqlite nor a postgres"),
            (["cache": "memcached://x"], "neither none nor a redis"),
            (["default-compatibility": "SIDEWAYS"], "SIDEWAYS"),
        ] {
            #expect {
                try ServerSettings.apply(settings, to: &configuration)
            } throws: { error in
                "\(error)".contains(mention)
            }
        }
        #expect(throws: ServerSettings.InvalidSetting.self) { try ServerSettings.parseFile("no equals sign") }
    }

    @Test func methodCostsAreConfigurable() throws {
        var configuration = ServerConfiguration()
        try ServerSettings.apply(["cost.RegisterSchema": "25"], to: &configuration)
        #expect(configuration.connection.methodCosts[SRPMethod.registerSchema.rawValue] == 25)
        #expect(
            ServerSettings.fromEnvironment(["SCHEMA_REGISTRY_COST_GETSCHEMABYID": "3"]) == ["cost.GetSchemaById": "3"])
        #expect {
            try ServerSettings.apply(["cost.Nope": "1"], to: &configuration)
        } throws: { "\($0)".contains("no rpc named 'Nope'") }
    }
}

/// The README's settings table is the settings table: every key with its default, in the same
/// order, so the documentation cannot drift from `ServerSettings.all` (each setting spelled once).
@Suite struct SettingsDocumentationTests {
    @Test func readmeListsEverySettingWithItsDefault() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        var documented: [(key: String, defaultValue: String)] = []
        for line in text.split(separator: "\n") where line.hasPrefix("| ") {
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard cells.count > 3, ServerSettings.keys.contains(where: { $0.key == cells[1] }) else { continue }
            documented.append((cells[1], cells[2]))
        }
        let expected = ServerSettings.keys.filter { !$0.key.hasPrefix("cost.") }
        #expect(documented.map(\.key) == expected.map(\.key))
        for (key, value) in documented {
            let setting = try #require(expected.first { $0.key == key })
            #expect(value.replacing("`", with: "") == setting.defaultValue, "README default of \(key)")
        }
    }
}
