import Foundation
import NIOCore
import NIOPosix
import SchemaRegistryServer
import SchemaRegistryTesting
import TestSupport
import Testing

/// What a new user tripped over (issue 14): every exit code the README lists, keys managed
/// through the server, a check against a subject that does not exist, and the small things a
/// person reads. The real binary against a real server.
@Suite struct CLINewUserTests {
    private func arguments(_ server: TestServer, _ rest: String...) -> [String] {
        rest + ["--port", "\(server.port)"]
    }

    // MARK: Exit codes (README: 0 ok, 1 unexpected, 64 usage, 2 not found, 3 conflict or
    // incompatible, 4 invalid input, 5 not permitted, 6 cannot connect, 7 throttled or timed out)

    @Test func usageErrorsExitSixtyFour() async throws {
        try await withServer { server in
            let validate = try await CLI.run(arguments(server, "validate", "--payload", "{}"))
            #expect(validate.status == 64, "\(validate)")
            #expect(validate.stderr.hasPrefix("error: name the schema"), "\(validate)")
            let get = try await CLI.run(arguments(server, "get"))
            #expect(get.status == 64, "\(get)")
            // ArgumentParser's own usage errors agree.
            let unknownFlag = try await CLI.run(arguments(server, "subjects", "--no-such-flag"))
            #expect(unknownFlag.status == 64, "\(unknownFlag)")
        }
    }

    @Test func tooLargeAndNonUTF8InputsExitFour() async throws {
        try await withServer { server in
            let huge =
                #"{"type":"record","name":"Big","doc":""# + String(repeating: "x", count: 5_000_000)
                + #"","fields":[]}"#
            let tooLarge = try await CLI.run(arguments(server, "register", "big"), stdin: huge)
            #expect(tooLarge.status == 4, "\(tooLarge.status) \(tooLarge.stderr)")
            #expect(tooLarge.stderr.contains("exceeds the server's limit"), "\(tooLarge.stderr)")
            #expect(!tooLarge.stderr.contains("BAD_COMPRESSION"), "\(tooLarge.stderr)")

            // The server is still there for the next command (no GOAWAY was needed).
            let after = try await CLI.run(arguments(server, "subjects"))
            #expect(after.status == 0, "\(after)")

            let file = TemporaryDirectory.uniquePath("sr-latin1") + ".avsc"
            defer { try? FileManager.default.removeItem(atPath: file) }
            var latin1 = Data(#"{"type":"record","name":"Caf"#.utf8)
            latin1.append(0xE9)  // é in Latin-1: not UTF-8
            latin1.append(contentsOf: Array(#"","fields":[]}"#.utf8))
            FileManager.default.createFile(atPath: file, contents: latin1)
            let notUTF8 = try await CLI.run(arguments(server, "register", "latin1", "--file", file))
            #expect(notUTF8.status == 4, "\(notUTF8)")
            #expect(notUTF8.stderr.contains("not UTF-8"), "\(notUTF8)")
            let subjects = try await CLI.run(arguments(server, "subjects"))
            #expect(!subjects.stdout.contains("latin1"), "nothing was registered: \(subjects)")
        }
    }

    @Test func permissionDeniedExitsFive() async throws {
        let server = try await TestServer.start(authenticating: true)
        defer { Task { await server.stop() } }
        // The first key is made through the server while it has none.
        let admin = try await CLI.run(arguments(server, "keys", "create", "--role", "admin", "--name", "ops"))
        #expect(admin.status == 0, "\(admin)")
        let adminKey = admin.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(adminKey.hasPrefix("sr_"), "\(admin)")
        let reader = try await CLI.run(
            arguments(server, "keys", "create", "--role", "read"), environment: ["SCHEMA_REGISTRY_API_KEY": adminKey])
        #expect(reader.status == 0, "\(reader)")
        let readKey = reader.stdout.trimmingCharacters(in: .whitespacesAndNewlines)

        let denied = try await CLI.run(
            arguments(server, "register", "orders", "--schema", avroRecord("A")),
            environment: ["SCHEMA_REGISTRY_API_KEY": readKey])
        #expect(denied.status == 5, "\(denied)")
        #expect(denied.stderr.contains("40301"), "\(denied)")

        // No key at all: told how to give one, in the CLI's terms.
        let anonymous = try await CLI.run(arguments(server, "subjects"))
        #expect(anonymous.status == 5, "\(anonymous)")
        #expect(anonymous.stderr.contains("--api-key"), "\(anonymous)")
        #expect(anonymous.stderr.contains("SCHEMA_REGISTRY_API_KEY"), "\(anonymous)")

        // A read key cannot manage keys.
        let mint = try await CLI.run(
            arguments(server, "keys", "create", "--role", "admin"), environment: ["SCHEMA_REGISTRY_API_KEY": readKey])
        #expect(mint.status == 5, "\(mint)")
    }

    @Test func aSilentServerExitsSeven() async throws {
        // Accepts and never answers the handshake.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { silent.close(promise: nil) }
        let port = silent.localAddress!.port!
        let result = try await CLI.run(["subjects", "--port", "\(port)", "--timeout-ms", "300"])
        #expect(result.status == 7, "\(result)")
    }

    @Test func notSRPExitsOne() async throws {
        // Answers anything with HTTP, as a wrong port would.
        let http = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(HTTPNonsense())
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        defer { http.close(promise: nil) }
        let result = try await CLI.run(["subjects", "--port", "\(http.localAddress!.port!)", "--timeout-ms", "5000"])
        #expect(result.status == 1, "\(result)")
        #expect(result.stderr.contains("hint:"), "\(result)")
    }

    /// Writes an HTTP error to whatever connects, then closes.
    final class HTTPNonsense: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        func channelActive(context: ChannelHandlerContext) {
            let text = "HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text))).whenComplete { [context] _ in
                context.close(promise: nil)
            }
        }
    }

    @Test func errorsAreJSONWithJSON() async throws {
        try await withServer { server in
            let missing = try await CLI.run(arguments(server, "get", "424242", "--json"))
            #expect(missing.status == 2, "\(missing)")
            let document = try CLI.json(missing.stderr)
            let error = try #require(document["error"] as? [String: Any], "\(missing)")
            #expect(error["code"] as? Int == 40403)
            #expect(error["exitCode"] as? Int == 2)
            #expect((error["message"] as? String)?.contains("424242") == true)
        }
    }

    // MARK: Keys through the server

    @Test func keysAreManagedThroughTheServer() async throws {
        let server = try await TestServer.start(authenticating: true)
        defer { Task { await server.stop() } }
        let created = try await CLI.run(
            arguments(server, "keys", "create", "--role", "admin", "--name", "a rather long name", "--json"))
        #expect(created.status == 0, "\(created)")
        let document = try CLI.json(created.stdout)
        let key = try #require(document["key"] as? String)
        let id = try #require(document["id"] as? String)
        #expect(document["role"] as? String == "admin")
        let environment = ["SCHEMA_REGISTRY_API_KEY": key]

        // The server that checks keys is the one that made it: usable at once.
        let withKey = try await CLI.run(arguments(server, "subjects"), environment: environment)
        #expect(withKey.status == 0, "\(withKey)")

        let scoped = try await CLI.run(
            arguments(server, "keys", "create", "--role", "write", "--subject-prefix", "team-a."),
            environment: environment)
        #expect(scoped.status == 0, "\(scoped)")

        let table = try await CLI.run(arguments(server, "keys", "list"), environment: environment)
        #expect(table.status == 0, "\(table)")
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3, "\(table)")
        // Columns line up: each header starts where its cells start.
        let header = try #require(lines.first)
        for column in ["ROLE", "STATE", "CREATED", "PREFIXES", "NAME"] {
            let offset = try #require(header.range(of: column)).lowerBound.utf16Offset(in: header)
            // The last column may be empty (a key without a name): nothing to line up there.
            for line in lines.dropFirst() where line.count > offset {
                let index = line.index(line.startIndex, offsetBy: offset)
                #expect(line[line.index(before: index)] == " ", "\(column) misaligned: \(table.stdout)")
                #expect(line[index] != " ", "\(column) misaligned: \(table.stdout)")
            }
        }
        #expect(table.stdout.contains("team-a."), "\(table)")

        let listed = try await CLI.run(arguments(server, "keys", "list", "--json"), environment: environment)
        #expect(listed.status == 0, "\(listed)")
        let keys = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        #expect(keys.count == 2)

        let unknown = try await CLI.run(arguments(server, "keys", "revoke", "nope"), environment: environment)
        #expect(unknown.status == 2, "\(unknown)")
        #expect(unknown.stderr.hasPrefix("error: "), "\(unknown)")
        #expect(!unknown.stderr.contains("USAGE"), "no top-level usage: \(unknown)")

        let revoked = try await CLI.run(arguments(server, "keys", "revoke", id), environment: environment)
        #expect(revoked.status == 0, "\(revoked)")
        let refused = try await CLI.run(arguments(server, "subjects"), environment: environment)
        #expect(refused.status == 5, "the revoked key is refused at once: \(refused)")
    }

    @Test func keysNeverCreateAStore() async throws {
        let directory = TemporaryDirectory.uniquePath("sr-no-store")
        let created = try await CLI.run(["keys", "create", "--role", "admin", "--data-dir", directory])
        #expect(created.status == 2, "\(created)")
        #expect(created.stderr.contains("no registry store"), "\(created)")
        #expect(created.stdout.isEmpty, "no key printed: \(created)")
        #expect(!FileManager.default.fileExists(atPath: directory), "the store was created")
    }

    // MARK: What a person reads

    @Test func checkAgainstAMissingSubjectIsNotCompatible() async throws {
        try await withServer { server in
            let typo = try await CLI.run(arguments(server, "check", "ordres", "--schema", avroRecord("A")))
            #expect(typo.status == 2, "\(typo)")
            #expect(typo.stderr.contains("does not exist"), "\(typo)")
            #expect(!typo.stdout.contains("compatible"), "\(typo)")

            let allowed = try await CLI.run(
                arguments(server, "check", "ordres", "--schema", avroRecord("A"), "--allow-new-subject"))
            #expect(allowed.status == 0, "\(allowed)")
            #expect(allowed.stdout.hasPrefix("compatible"), "\(allowed)")
        }
    }

    @Test func printDefaultsShowsEveryKeyWhole() async throws {
        let result = try await CLI.run(["serve", "--print-defaults"])
        #expect(result.status == 0, "\(result)")
        let keys = result.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(keys == ServerSettings.keys.map(\.0))
    }

    @Test func versionsMarksDeletedOnes() async throws {
        try await withServer { server in
            for seed in 0..<3 {
                _ = try await CLI.run(arguments(server, "register", "orders", "--schema", avroRecord("A", seed: seed)))
            }
            let deleted = try await CLI.run(arguments(server, "delete", "orders", "--version", "2"))
            #expect(deleted.status == 0, "\(deleted)")
            let listed = try await CLI.run(arguments(server, "versions", "orders", "--deleted"))
            #expect(listed.stdout == "1\n2 (deleted)\n3\n", "\(listed)")
            let json = try await CLI.run(arguments(server, "versions", "orders", "--deleted", "--json"))
            #expect(try CLI.json(json.stdout)["deleted"] as? [Int] == [2], "\(json)")
        }
    }

    @Test func smallThingsAPersonReads() async throws {
        let version = try await CLI.run(["--version"])
        #expect(version.status == 0, "\(version)")
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == SRPServer.version)
        try await withServer { server in
            let search = try await CLI.run(arguments(server, "search", "--tag", "nothing-has-this"))
            #expect(search.status == 0, "\(search)")
            #expect(search.stderr.contains("no schemas match"), "\(search)")

            _ = try await CLI.run(arguments(server, "register", "tiny", "--schema", avroRecord("T")))
            _ = try await CLI.run(arguments(server, "get", "1"))
            let info = try await CLI.run(arguments(server, "info"))
            #expect(info.status == 0, "\(info)")
            #expect(!info.stdout.contains(" 0 KiB"), "\(info)")
        }
    }

    /// `load` finds the server as every command does (SCHEMA_REGISTRY_URL) and says what failed
    /// in the same words, not as a raw NIO error.
    @Test func loadFollowsTheURLAndSaysWhyItCannotConnect() async throws {
        let port = try Ports.unusedPort()
        let result = try await CLI.run(
            ["load", "baseline", "--duration", "1"], environment: ["SCHEMA_REGISTRY_URL": "127.0.0.1:\(port)"])
        #expect(result.status == 6, "\(result)")
        #expect(result.stderr.contains("cannot connect to 127.0.0.1:\(port) (connection refused)"), "\(result)")
        #expect(result.stderr.contains("hint:"), "\(result)")
    }

    @Test func aBusyPortIsNamed() async throws {
        let taken = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        defer { taken.close(promise: nil) }
        let port = taken.localAddress!.port!
        let directory = TemporaryDirectory.uniquePath("sr-busy")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let result = try await CLI.run([
            "serve", "--port", "\(port)", "--data-dir", directory, "--set", "metrics-port=off", "--set",
            "rest-port=off",
        ])
        #expect(result.status != 0, "\(result)")
        #expect(result.stderr.contains("port \(port) on 127.0.0.1"), "\(result)")
        #expect(result.stderr.contains("address already in use"), "\(result)")
    }
}
