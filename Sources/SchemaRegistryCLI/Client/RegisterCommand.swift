import ArgumentParser
import SRPWire
import SchemaRegistryCore

/// `register`: adds a schema under a subject (or finds it already there).
struct RegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register a schema under a subject.",
        discussion: """
            The schema comes from --schema, --file, or stdin. Prints the schema's global id and its version \
            under the subject; registering a schema that is already there is not an error and prints \
            "(already registered)". Exits 3 if the schema is incompatible with the subject's level, 4 if it \
            is invalid, 5 if the subject is read-only.

            Example:
              schema-registry register orders-value --file orders.avsc
              id 12 version 3
              echo '{"type":"object"}' | schema-registry register events --type json
            """)

    @Argument(help: "The subject to register under.")
    var subject: String

    @OptionGroup var input: SchemaInputOptions

    @Option(help: ArgumentHelp("Metadata for this version (repeatable).", valueName: "key=value"))
    var metadata: [KeyValueArgument] = []

    @Option(name: .customLong("tag"), help: ArgumentHelp("A tag for this version (repeatable).", valueName: "tag"))
    var tags: [String] = []

    @Option(help: "IMPORT mode only: the global id the schema must keep.")
    var id: UInt32?

    @Option(help: "IMPORT mode only: the version the schema must get.")
    var version: Int32?

    @OptionGroup(title: "Connection and output") var connection: ConnectionOptions

    func run() async throws {
        try await connection.withSession { session in
            let request = try Srp_RegisterSchemaRequest.with {
                $0.subject = subject
                $0.schemaType = input.schemaType
                $0.schema = try input.text()
                $0.references = input.referenceValues
                $0.metadata = KeyValueArgument.dictionary(metadata)
                $0.tags = tags
                $0.normalize = input.normalize
                if let id { $0.id = id }
                if let version { $0.version = version }
            }
            let response = try await session.client().registerSchema(request, options: session.callOptions)
            session.output.emit([
                "subject": subject, "id": Int(response.id), "version": Int(response.version),
                "created": response.created, "warnings": response.warnings,
            ]) {
                "id \(response.id) version \(response.version)" + (response.created ? "" : " (already registered)")
            }
            // On stderr in text mode (stdout stays the result); in the JSON document with --json.
            if !session.output.json {
                for warning in response.warnings { session.output.note("warning: \(EchoedText.message(warning))") }
            }
        }
    }
}
