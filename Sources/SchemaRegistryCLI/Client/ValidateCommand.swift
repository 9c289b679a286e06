import ArgumentParser
import SRPWire

/// `validate`: does a payload conform to a registered schema?
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate a JSON payload against a registered schema.",
        discussion: """
            Name the schema by --id, or by --subject (and --version, default latest). The payload is JSON \
            (Avro's JSON encoding for Avro schemas) from --payload, --file, or stdin. Prints "valid" (exit \
            0), or "invalid" and each error with where it is in the payload and the schema (exit 4).

            Example:
              echo '{"total": "ten"}' | schema-registry validate --subject orders
              invalid
                - /total: expected a number (schema: /properties/total/type)
            """)

    @Option(help: "The schema's global id.")
    var id: UInt32?

    @Option(help: "The subject whose version to use.")
    var subject: String?

    @Option(help: "With --subject: the version (a number, or 'latest').")
    var version: VersionArgument = .latest

    @Option(help: "The payload, as JSON text.")
    var payload: String?

    @Option(help: ArgumentHelp("Read the payload from this file ('-' for stdin).", valueName: "path"))
    var file: String?

    @OptionGroup(title: "Connection and output") var connection: ConnectionOptions

    func run() async throws {
        let result = try await connection.withSession { session in
            var request = Srp_ValidatePayloadRequest()
            switch (id, subject) {
            case (let id?, nil): request.id = id
            case (nil, let subject?):
                request.subjectVersion = .with {
                    $0.subject = subject
                    $0.version = version.value
                }
            default: throw CLIError.usage("name the schema by --id, or by --subject (and --version)")
            }
            request.payload = try InputReading.bytes(
                inline: payload, file: file, what: "payload", flags: "--payload, --file")
            let result = try await session.client().validatePayload(request, options: session.callOptions)
            session.output.emit([
                "valid": result.valid,
                "errors": result.errors.map {
                    [
                        "instanceLocation": $0.instanceLocation, "schemaLocation": $0.schemaLocation,
                        "message": $0.message,
                    ]
                },
            ]) {
                guard !result.valid else { return "valid" }
                return
                    (["invalid"]
                    + result.errors.map { error in
                        let place = error.instanceLocation.isEmpty ? "(root)" : error.instanceLocation
                        let schema = error.schemaLocation.isEmpty ? "" : " (schema: \(error.schemaLocation))"
                        return "  - \(place): \(error.message)\(schema)"
                    }).joined(separator: "\n")
            }
            return result
        }
        if !result.valid { throw ExitCode(CLIExitCode.invalidInput) }
    }
}
