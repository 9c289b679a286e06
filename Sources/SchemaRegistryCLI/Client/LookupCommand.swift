import ArgumentParser
import SRPWire

/// `lookup`: is this schema registered under the subject, and as which version?
struct LookupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lookup",
        abstract: "Find the version a schema has under a subject.",
        discussion: """
            The schema comes from --schema, --file, or stdin. Prints its id and version; exits 2 if the \
            subject does not have it.

            Example:
              schema-registry lookup orders-value --file orders.avsc
              id 12 version 3
            """)

    @Argument(help: "The subject to look in.")
    var subject: String

    @OptionGroup var input: SchemaInputOptions

    @Flag(help: "Also match soft-deleted versions.")
    var includeDeleted = false

    @OptionGroup(title: "Connection and output") var connection: ConnectionOptions

    func run() async throws {
        try await connection.withSession { session in
            let request = try Srp_LookupSchemaRequest.with {
                $0.subject = subject
                $0.schemaType = input.schemaType
                $0.schema = try input.text()
                $0.references = input.referenceValues
                $0.normalize = input.normalize
                $0.includeDeleted = includeDeleted
            }
            let found = try await session.client().lookupSchema(request, options: session.callOptions).schema
            session.output.emit(JSONView.version(found)) {
                "id \(found.id) version \(found.version)" + (found.deleted ? " (deleted)" : "")
            }
        }
    }
}
