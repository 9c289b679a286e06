import ArgumentParser
import SchemaRegistryLoad

/// `schema-registry bench`: closed-loop load of cached GetSchemaById (or Redis GET), run by
/// SchemaRegistryLoad's ``BenchRunner``.
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drive cached GetSchemaById (or, with --protocol resp, Redis GET) and report throughput and latency.",
        discussion: """
            Registers one schema of --payload-bytes under subject bench-<size> (or SETs a Redis key of that size),
            then keeps --connections x --in-flight requests outstanding for --duration seconds (bounded also by
            --max-requests). Example, side by side with Redis through the same load loop:
              schema-registry bench --connections 50 --in-flight 16 --duration 10
              schema-registry bench --protocol resp --port 6379 --connections 50 --in-flight 16 --duration 10
            """)

    @Option(help: "srp or resp.") var `protocol`: String = "srp"
    @Option var host = "127.0.0.1"
    @Option(help: "Default 7911 (srp) or 6379 (resp).") var port: Int?
    @Option var connections = 50
    @Option(name: .customLong("in-flight"), help: "Requests outstanding per connection (pipeline depth).")
    var inFlight = 1
    @Option(help: "Seconds of measured load (after a 1 s warm-up).") var duration: Double = 10
    @Option(help: "Stop after this many responses in total.") var maxRequests = 50_000_000
    @Option var payloadBytes = 1024
    @Flag(help: "Offer LZ4 (SRP).") var lz4 = false
    @Option(help: "Client event-loop threads.") var threads = 1
    @Flag var json = false

    func run() async throws {
        guard let wire = BenchProtocol(rawValue: self.protocol) else {
            throw ValidationError("--protocol must be srp or resp")
        }
        guard connections > 0, inFlight > 0, duration > 0, duration <= 3600 else {
            throw ValidationError("connections and in-flight must be positive; duration in (0, 3600] seconds")
        }
        var settings = BenchSettings()
        settings.wire = wire
        settings.host = host
        settings.port = self.port ?? (wire == .srp ? 7911 : 6379)
        settings.connections = connections
        settings.inFlight = inFlight
        settings.duration = duration
        settings.maxRequests = maxRequests
        settings.payloadBytes = payloadBytes
        settings.lz4 = lz4
        settings.threads = threads
        settings.json = json
        try await BenchRunner(settings: settings).run()
    }
}
