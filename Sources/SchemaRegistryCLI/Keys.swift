import ArgumentParser
import Foundation
import SchemaRegistryCore
import SchemaRegistryServer

/// `schema-registry keys ...`: API keys, managed in the store itself (no server needed; every
/// instance on the store picks changes up within `auth-refresh-ms`).
struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create, list and revoke API keys (stored as SHA-256 hashes in the registry's store).",
        discussion: """
            Servers require a key in the handshake as soon as one live key exists (unless started with
            --insecure-no-auth). Roles: read (get, lookup, list, check, validate), write (plus register and
            soft delete), admin (plus config, mode and permanent delete).
            """,
        subcommands: [Create.self, List.self, Revoke.self])

    /// Which store to open: the same settings as `serve` (flags, then SCHEMA_REGISTRY_STORE /
    /// SCHEMA_REGISTRY_DATA_DIR, then defaults).
    struct StoreOptions: ParsableArguments {
        @Option(help: "sqlite (default) or a postgres:// URL.") var store: String?
        @Option(name: .customLong("data-dir"), help: "Data directory of the SQLite store (default ./data).")
        var dataDirectory: String?

        func open() async throws -> any SchemaStore & APIKeyStore {
            let environment = ProcessInfo.processInfo.environment
            let opened = try await StoreOpening.open(
                store: store ?? environment["SCHEMA_REGISTRY_STORE"] ?? "sqlite",
                dataDirectory: dataDirectory ?? environment["SCHEMA_REGISTRY_DATA_DIR"] ?? "./data", connections: 1)
            guard let keys = opened as? any SchemaStore & APIKeyStore else {
                throw ValidationError("the store \(opened.kind) does not keep API keys")
            }
            return keys
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a key and print it once (only its hash is stored).")

        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "read, write or admin.") var role: String
        @Option(help: "What the key is for (shown by `keys list`).") var name = ""
        @Option(
            name: .customLong("subject-prefix"),
            help: "Limit the key to subjects starting with this prefix; repeatable. Default: every subject.")
        var subjectPrefixes: [String] = []

        func run() async throws {
            guard let accessRole = AccessRole(rawValue: role) else {
                throw ValidationError("--role must be read, write or admin, not '\(role)'")
            }
            if subjectPrefixes.contains(where: { $0.isEmpty || $0.contains("\n") }) {
                throw ValidationError("--subject-prefix must be non-empty and on one line")
            }
            let store = try await storeOptions.open()
            let (id, key) = APIKeyText.generate()
            try await store.createAPIKey(
                APIKeyRecord(
                    id: id, name: name, role: accessRole, subjectPrefixes: subjectPrefixes,
                    keyHash: APIKeyText.hash(key), createdAt: Int(Date().timeIntervalSince1970)))
            try await store.close()
            print(key)
            FileHandle.standardError.write(
                Data("created API key \(id) (\(accessRole.rawValue)); it is shown only now: keep it secret\n".utf8))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List keys (ids, names, roles; never the keys).")

        @OptionGroup var storeOptions: StoreOptions
        @Flag(help: "Include revoked keys.") var all = false

        func run() async throws {
            let store = try await storeOptions.open()
            let keys = try await store.apiKeys(includeRevoked: all)
            try await store.close()
            print("ID            ROLE   STATE    CREATED               PREFIXES  NAME")
            let formatter = ISO8601DateFormatter()
            for key in keys {
                let created = formatter.string(from: Date(timeIntervalSince1970: TimeInterval(key.createdAt)))
                let prefixes = key.subjectPrefixes.isEmpty ? "*" : key.subjectPrefixes.joined(separator: ",")
                print(
                    [
                        key.id, key.role.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0),
                        (key.revoked ? "revoked" : "live").padding(toLength: 8, withPad: " ", startingAt: 0), created,
                        prefixes.padding(toLength: 9, withPad: " ", startingAt: 0), key.name,
                    ].joined(separator: "  "))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Revoke a key: refused at the next handshake, open connections closed at their next request.")

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The key's id (from `keys list`).") var id: String

        func run() async throws {
            let store = try await storeOptions.open()
            let revoked = try await store.revokeAPIKey(id: id)
            try await store.close()
            guard revoked else { throw ValidationError("no live API key has id '\(id)'") }
            print("revoked \(id)")
        }
    }
}
