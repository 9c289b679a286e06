import Foundation
import NIOCore
import NIOPosix
import SchemaRegistryTesting
import TestSupport
import Testing

/// The `schema-registry` client subcommands, run as the real binary against a real server.
@Suite struct CLITests {
    @Test func registerFromStdinAndFromFlag() async throws {
        try await withServer { server in
            let first = try await CLI.run(["register", "orders", "--port", "\(server.port)"], stdin: avroRecord("A"))
            #expect(first.status == 0, "\(first)")
            #expect(first.stdout.hasPrefix("id "), "\(first)")
            #expect(first.stdout.contains("version 1"), "\(first)")
            #expect(!first.stdout.contains("already registered"))

            let again = try await CLI.run([
                "register", "orders", "--schema", avroRecord("A"), "--port", "\(server.port)",
            ])
            #expect(again.status == 0, "\(again)")
            #expect(again.stdout.contains("version 1 (already registered)"), "\(again)")

            let second = try await CLI.run([
                "register", "orders", "--schema", avroRecord("A", fields: 3), "--port", "\(server.port)", "--json",
                "--metadata", "owner=payments", "--tag", "pii",
            ])
            #expect(second.status == 0, "\(second)")
            let document = try CLI.json(second.stdout)
            #expect(document["version"] as? Int == 2)
            #expect(document["created"] as? Bool == true)
            #expect((document["id"] as? Int ?? 0) > 0)
        }
    }

    /// A schema registered with a warning (an Avro default Confluent accepts, issue 13 item 9):
    /// the warning goes to stderr in text mode, into the document with --json; exit 0.
    @Test func registerPrintsWarnings() async throws {
        let schema =
            #"{"type":"record","name":"W","fields":[{"name":"n","type":["null","string"],"default":"null"}]}"#
        try await withServer { server in
            let text = try await CLI.run(["register", "warned", "--schema", schema, "--port", "\(server.port)"])
            #expect(text.status == 0, "\(text)")
            #expect(text.stdout.hasPrefix("id "), "\(text)")
            #expect(!text.stdout.contains("warning"), "\(text)")
            #expect(text.stderr.contains("warning: AVRO schema: field 'n' of record 'W'"), "\(text)")
            let json = try await CLI.run([
                "register", "warned", "--schema", schema, "--port", "\(server.port)", "--json",
            ])
            #expect(json.status == 0, "\(json)")
            let document = try CLI.json(json.stdout)
            #expect((document["warnings"] as? [String])?.count == 1, "\(json)")
        }
    }

    @Test func getByIDPrintsTheSchema() async throws {
        try await withServer { server in
            let registered = try await CLI.run(
                ["register", "users", "--schema", avroRecord("User"), "--port", "\(server.port)", "--json"])
            let id = try #require(try CLI.json(registered.stdout)["id"] as? Int)

            let fetched = try await CLI.run(["get", "\(id)", "--port", "\(server.port)"])
            #expect(fetched.status == 0, "\(fetched)")
            #expect(fetched.stdout.contains(#""name":"User""#), "\(fetched)")
            #expect(fetched.stderr.isEmpty, "\(fetched)")

            let byVersion = try await CLI.run(
                ["get", "--subject", "users", "--version", "latest", "--port", "\(server.port)"])
            #expect(byVersion.status == 0, "\(byVersion)")
            #expect(byVersion.stdout.contains("subject  users"), "\(byVersion)")
            #expect(byVersion.stdout.contains("id       \(id)"), "\(byVersion)")

            let usedBy = try await CLI.run(["get", "\(id)", "--subjects", "--port", "\(server.port)", "--json"])
            let pairs = try #require(try CLI.json(usedBy.stdout)["subjectVersions"] as? [[String: Any]])
            #expect(pairs.first?["subject"] as? String == "users")

            let batch = try await CLI.run(["get", "--ids", "\(id),99999", "--port", "\(server.port)", "--json"])
            #expect(batch.status == 2, "\(batch)")
            let found = try CLI.json(batch.stdout)
            #expect((found["schemas"] as? [Any])?.count == 1)
            #expect(found["missingIds"] as? [Int] == [99999])
        }
    }

    @Test func subjectsJSONListsTheSubject() async throws {
        try await withServer { server in
            _ = try await CLI.run(["register", "alpha", "--schema", avroRecord("Alpha"), "--port", "\(server.port)"])
            _ = try await CLI.run(["register", "beta", "--schema", avroRecord("Beta"), "--port", "\(server.port)"])

            let listed = try await CLI.run([
                "subjects", "--json", "--all", "--page-size", "1", "--port", "\(server.port)",
            ])
            #expect(listed.status == 0, "\(listed)")
            let subjects = try #require(try CLI.json(listed.stdout)["subjects"] as? [String])
            #expect(subjects == ["alpha", "beta"])

            let text = try await CLI.run(["subjects", "--prefix", "be", "--port", "\(server.port)"])
            #expect(text.stdout == "beta\n", "\(text)")

            let versions = try await CLI.run(["versions", "alpha", "--port", "\(server.port)"])
            #expect(versions.stdout == "1\n", "\(versions)")

            let lookup = try await CLI.run(["lookup", "beta", "--port", "\(server.port)"], stdin: avroRecord("Beta"))
            #expect(lookup.status == 0, "\(lookup)")
            #expect(lookup.stdout.contains("version 1"), "\(lookup)")
        }
    }

    @Test func missingSchemaExitsTwo() async throws {
        try await withServer { server in
            let missing = try await CLI.run(["get", "424242", "--port", "\(server.port)"])
            #expect(missing.status == 2, "\(missing)")
            #expect(missing.stderr.hasPrefix("error: "), "\(missing)")
            #expect(missing.stdout.isEmpty)

            let noVersion = try await CLI.run(["get", "--subject", "nobody", "--port", "\(server.port)"])
            #expect(noVersion.status == 2, "\(noVersion)")

            let noSchema = try await CLI.run([
                "validate", "--id", "424242", "--payload", "{}", "--port", "\(server.port)",
            ])
            #expect(noSchema.status == 2, "\(noSchema)")

            let usage = try await CLI.run(["get", "--port", "\(server.port)"])
            #expect(usage.status == 64, "\(usage)")
            #expect(usage.stderr.hasPrefix("error: "), "\(usage)")
        }
    }

    @Test func invalidSchemaExitsFour() async throws {
        try await withServer { server in
            let invalid = try await CLI.run(["register", "bad", "--schema", "{not json", "--port", "\(server.port)"])
            #expect(invalid.status == 4, "\(invalid)")
            #expect(invalid.stderr.contains("error: "), "\(invalid)")

            let empty = try await CLI.run(["register", "bad", "--port", "\(server.port)"], stdin: "")
            #expect(empty.status == 4, "\(empty)")
        }
    }

    @Test func softThenPermanentDelete() async throws {
        try await withServer { server in
            _ = try await CLI.run(["register", "gone", "--schema", avroRecord("Gone"), "--port", "\(server.port)"])

            let soft = try await CLI.run(["delete", "gone", "--port", "\(server.port)"])
            #expect(soft.status == 0, "\(soft)")
            #expect(soft.stdout.contains("deleted gone"), "\(soft)")

            let stillThere = try await CLI.run(["versions", "gone", "--deleted", "--port", "\(server.port)"])
            #expect(stillThere.stdout == "1 (deleted)\n", "\(stillThere)")

            let hard = try await CLI.run(["delete", "gone", "--permanent", "--port", "\(server.port)", "--json"])
            #expect(hard.status == 0, "\(hard)")
            #expect(try CLI.json(hard.stdout)["versions"] as? [Int] == [1])

            let after = try await CLI.run(["versions", "gone", "--deleted", "--port", "\(server.port)"])
            #expect(after.status == 2, "\(after)")
        }
    }

    @Test func configSetThenGet() async throws {
        try await withServer { server in
            let set = try await CLI.run(["config", "--set", "FULL", "--port", "\(server.port)"])
            #expect(set.status == 0, "\(set)")
            let global = try await CLI.run(["config", "--port", "\(server.port)"])
            #expect(global.stdout == "FULL\n", "\(global)")

            let subject = try await CLI.run([
                "config", "orders", "--set", "backward-transitive", "--port", "\(server.port)",
            ])
            #expect(subject.stdout == "BACKWARD_TRANSITIVE\n", "\(subject)")
            let json = try await CLI.run(["config", "orders", "--json", "--port", "\(server.port)"])
            #expect(try CLI.json(json.stdout)["compatibility"] as? String == "BACKWARD_TRANSITIVE")

            let unset = try await CLI.run(["config", "other", "--port", "\(server.port)"])
            #expect(unset.status == 2, "\(unset)")
            let inherited = try await CLI.run(["config", "other", "--default-to-global", "--port", "\(server.port)"])
            #expect(inherited.stdout == "FULL\n", "\(inherited)")

            let wrong = try await CLI.run(["config", "--set", "SIDEWAYS", "--port", "\(server.port)"])
            #expect(wrong.status != 0)
        }
    }

    @Test func readOnlyModeRefusesRegistration() async throws {
        try await withServer { server in
            let set = try await CLI.run(["mode", "--set", "readonly", "--port", "\(server.port)"])
            #expect(set.status == 0, "\(set)")
            #expect(set.stdout == "READONLY\n", "\(set)")

            let refused = try await CLI.run([
                "register", "orders", "--schema", avroRecord("A"), "--port", "\(server.port)",
            ])
            #expect(refused.status == 5, "\(refused)")
            #expect(refused.stderr.hasPrefix("error: "), "\(refused)")
        }
    }

    @Test func checkCompatibleUnderNone() async throws {
        try await withServer { server in
            _ = try await CLI.run(["register", "orders", "--schema", avroRecord("A"), "--port", "\(server.port)"])
            let check = try await CLI.run(
                ["check", "orders", "--schema", avroRecord("A", fields: 3), "--port", "\(server.port)", "--verbose"])
            #expect(check.status == 0, "\(check)")
            #expect(check.stdout.hasPrefix("compatible (level NONE)"), "\(check)")

            let piped = try await CLI.run(
                ["check", "orders", "--json", "--port", "\(server.port)"], stdin: avroRecord("B"))
            #expect(piped.status == 0, "\(piped)")
            #expect(try CLI.json(piped.stdout)["isCompatible"] as? Bool == true)
        }
    }

    @Test func searchFindsByTag() async throws {
        try await withServer { server in
            _ = try await CLI.run([
                "register", "orders", "--schema", avroRecord("A"), "--tag", "pii", "--port", "\(server.port)",
            ])
            _ = try await CLI.run(["register", "users", "--schema", avroRecord("U"), "--port", "\(server.port)"])
            let found = try await CLI.run(["search", "--tag", "pii", "--json", "--all", "--port", "\(server.port)"])
            #expect(found.status == 0, "\(found)")
            let results = try #require(try CLI.json(found.stdout)["results"] as? [[String: Any]])
            #expect(results.map { $0["subject"] as? String } == ["orders"])
        }
    }

    @Test func cannotConnectExitsSix() async throws {
        let port = try Ports.unusedPort()
        let refused = try await CLI.run(["info", "--port", "\(port)"])
        #expect(refused.status == 6, "\(refused)")
        #expect(refused.stderr.hasPrefix("error: "), "\(refused)")

        let viaEnvironment = try await CLI.run(["subjects"], environment: ["SCHEMA_REGISTRY_URL": "127.0.0.1:\(port)"])
        #expect(viaEnvironment.status == 6, "\(viaEnvironment)")
    }

    @Test func infoShowsTheStore() async throws {
        try await withServer { server in
            // The port comes from SCHEMA_REGISTRY_URL here.
            let info = try await CLI.run(["info"], environment: ["SCHEMA_REGISTRY_URL": "127.0.0.1:\(server.port)"])
            #expect(info.status == 0, "\(info)")
            #expect(info.stdout.contains("sqlite"), "\(info)")

            let json = try await CLI.run(["info", "--json", "--port", "\(server.port)"])
            #expect(try CLI.json(json.stdout)["store"] as? String == "sqlite")

            // A URL with a scheme works too, and flags beat the environment.
            let scheme = try await CLI.run(
                ["info"], environment: ["SCHEMA_REGISTRY_URL": "srp://127.0.0.1:\(server.port)/"])
            #expect(scheme.status == 0, "\(scheme)")
            let unused = try Ports.unusedPort()
            let flagWins = try await CLI.run(
                ["info", "--port", "\(server.port)"], environment: ["SCHEMA_REGISTRY_URL": "127.0.0.1:\(unused)"])
            #expect(flagWins.status == 0, "\(flagWins)")
        }
    }

    /// The status-to-exit-code table, through the hidden `exit-code` subcommand.
    @Test func exitCodeMapping() async throws {
        let expected: [(String, Int)] = [
            ("40401", 2), ("40403", 2), ("40408", 2), ("40901", 3), ("42206", 3), ("42201", 4), ("42209", 4),
            ("42205", 5), ("50003", 6), ("connection-failed", 6), ("connection-closed", 6), ("16", 6),
            ("13", 7), ("15", 7), ("deadline-exceeded", 7), ("50001", 1), ("18", 1), ("bad-response", 1),
            ("40301", 5), ("request-too-large", 4),
        ]
        let result = try await CLI.run(["exit-code"] + expected.map(\.0))
        #expect(result.status == 0, "\(result)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines == expected.map { "\($0.0) \($0.1)" })
    }
}
