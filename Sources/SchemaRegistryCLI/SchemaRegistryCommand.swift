import ArgumentParser
import SchemaRegistryServer

/// `schema-registry`: the server (`serve`), load generators (`bench`, `load`) and a CLI client.
@main
struct SchemaRegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema-registry",
        abstract: "A schema registry speaking SRP: serve it, drive it, and use it from the shell.",
        discussion: """
            Client commands connect to --host/--port (default 127.0.0.1:7911, or SCHEMA_REGISTRY_URL=host:port).
            They print human-readable text, or JSON with --json. Exit codes: 0 ok, 1 unexpected error, 64 usage error,
            2 not found, 3 conflict or incompatible, 4 invalid input, 5 not permitted, 6 cannot connect or unavailable,
            7 throttled or timed out.
            """,
        version: SRPServer.version,
        subcommands: [Serve.self, Bench.self, WatchBench.self, Load.self, Keys.self] + ClientCommands.all)
}
