import ArgumentParser
import Foundation
import SRPWire
import SchemaRegistryApp
import SchemaRegistryCore
import SchemaRegistryServer

/// `schema-registry keys ...`: API keys, managed through the running server (admin rpcs), so
/// they work with any store and take effect at once. `--data-dir`/`--store` work on an existing
/// store directly instead (no server needed: to make the first admin key of a server that
/// already requires keys, or to recover from a lost one).
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API keys (through the server, or on a store with --data-dir/--store).",
        discussion: """
            Servers require a key in the handshake as soon as one live key exists (unless started with \
            --insecure-no-auth), so the first key can be made through a server that has none. Roles: read (get, \
            lookup, list, check, validate), write (plus register and soft delete), admin (plus config, mode, \
            permanent delete and keys). Managing keys needs an admin key not limited to subject prefixes.
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    /// Where the keys are: the server (default), or a store opened directly when one of these
    /// flags is given. The store must exist already: `keys` never creates one.
    struct StoreOptions: ParsableArguments {
        @Option(help: "Work on this store directly instead of the server: sqlite or a postgres:// URL.")
        var store: String?
        @Option(
            name: .customLong("data-dir"),
            help: "Work directly on the SQLite store in this data directory instead of the server.")
        var dataDirectory: String?

        var isDirect: Bool { store != nil || dataDirectory != nil }

        func open() async throws -> BackingStore {
            let kind = store ?? "sqlite"
            if kind == "sqlite" {
                let directory = dataDirectory ?? "./data"
                let file = (directory as NSString).appendingPathComponent("registry.db")
                guard FileManager.default.fileExists(atPath: file) else {
                    throw CLIError(
                        message:
                            "no registry store at \(file): `keys` does not create one. Give the data directory of the "
                            + "server (serve --data-dir), or leave --data-dir out to manage keys through the server.",
                        exitCode: CLIExitCode.notFound)
                }
            }
            return try await StoreOpening.open(
                store: kind, dataDirectory: dataDirectory ?? "./data", connections: 1, create: false)
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and print it once (only its hash is stored).")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "read, write or admin.") var role: String
        @Option(help: "What the key is for (shown by `keys list`).") var name = ""
        @Option(
            name: .customLong("subject-prefix"),
            help: "Limit the key to subjects starting with this prefix; repeatable. Default: every subject.")
        var subjectPrefixes: [String] = []

        func validate() throws {
            guard AccessRole(rawValue: role) != nil else {
                throw ValidationError("--role must be read, write or admin, not '\(role)'")
            }
            if subjectPrefixes.contains(where: { $0.isEmpty || $0.contains("\n") }) {
                throw ValidationError("--subject-prefix must be non-empty and on one line")
            }
        }

        func run() async throws {
            let accessRole = AccessRole(rawValue: role)!
            let created: (key: Srp_ApiKey, secret: String) = try await KeyAccess.run(connection, storeOptions) {
                store in
                let (id, secret) = APIKeyText.generate()
                let record = APIKeyRecord(
                    id: id, name: name, role: accessRole, subjectPrefixes: subjectPrefixes,
                    keyHash: APIKeyText.hash(secret), createdAt: Int(Date().timeIntervalSince1970))
                try await store.createAPIKey(record)
                return (Srp_ApiKey(record), secret)
            } server: { session in
                let response = try await session.client().createApiKey(
                    .with {
                        $0.role = accessRole.proto
                        $0.name = name
                        $0.subjectPrefixes = subjectPrefixes
                    }, options: session.callOptions)
                return (response.key, response.secret)
            }
            let output = Output(json: connection.json)
            output.emit(KeyAccess.document(created.key).merging(["key": created.secret]) { $1 }) { created.secret }
            output.note(
                "created API key \(created.key.id) (\(role)); it is shown only now: keep it secret")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (ids, names, roles; never the keys).")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var storeOptions: StoreOptions
        @Flag(help: "Include revoked keys.") var all = false

        func run() async throws {
            let keys = try await KeyAccess.run(connection, storeOptions) { store in
                try await store.apiKeys(includeRevoked: all).map(Srp_ApiKey.init)
            } server: { session in
                try await session.client().listApiKeys(.with { $0.includeRevoked = all }, options: session.callOptions)
                    .keys
            }
            Output(json: connection.json).emit(keys.map(KeyAccess.document)) { KeyAccess.table(keys) }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a key: refused at the next handshake, open connections closed at their next request.")

        @OptionGroup var connection: ConnectionOptions
        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The key's id (from `keys list`).") var id: String

        func run() async throws {
            let revoked = try await KeyAccess.run(connection, storeOptions) { store in
                guard let record = try await store.apiKeys(includeRevoked: false).first(where: { $0.id == id }),
                    try await store.revokeAPIKey(id: id)
                else {
                    throw CLIError(
                        message: "no live API key has id '\(EchoedText.quote(id))' (see `keys list`)",
                        exitCode: CLIExitCode.notFound)
                }
                return Srp_ApiKey(record)
            } server: { session in
                try await session.client().revokeApiKey(.with { $0.id = id }, options: session.callOptions).key
            }
            Output(json: connection.json).emit(KeyAccess.document(revoked).merging(["revoked": true]) { $1 }) {
                "revoked \(revoked.id)"
            }
        }
    }
}
