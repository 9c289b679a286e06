import ArgumentParser
import SRPWire

/// `search`: finds versions by subject prefix, metadata, tags and schema text.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Find schema versions by subject prefix, metadata, tags or text.",
        discussion: """
            Every filter given must match. Prints one line per version (subject, version, id, type); --json \
            includes the schemas. Without --all only the first page comes back.

            Examples:
              schema-registry search --tag pii --latest
              schema-registry search --metadata owner=payments --text customer_id --all
            """)

    @Option(help: "Only subjects starting with this.")
    var subjectPrefix: String = ""

    @Option(help: ArgumentHelp("Metadata the version must have (repeatable).", valueName: "key=value"))
    var metadata: [KeyValueArgument] = []

    @Option(name: .customLong("tag"), help: ArgumentHelp("A tag the version must have (repeatable).", valueName: "tag"))
    var tags: [String] = []

    @Option(help: "Text the schema must contain.")
    var text: String = ""

    @Flag(help: "Include soft-deleted versions.")
    var deleted = false

    @Flag(help: "Only the latest version of each subject.")
    var latest = false

    @OptionGroup(title: "Paging") var paging: PagingOptions

    @OptionGroup(title: "Connection and output") var connection: ConnectionOptions

    func run() async throws {
        try await connection.withSession { session in
            let (results, token) = try await paging.collect { pageSize, token in
                let page = try await session.client().searchSchemas(
                    .with {
                        $0.subjectPrefix = subjectPrefix
                        $0.metadata = KeyValueArgument.dictionary(metadata)
                        $0.tags = tags
                        $0.text = text
                        $0.includeDeleted = deleted
                        $0.latestOnly = latest
                        $0.pageSize = pageSize
                        $0.pageToken = token
                    }, options: session.callOptions)
                return (page.results, page.nextPageToken)
            }
            session.output.emit(["results": results.map(JSONView.version), "nextPageToken": PageToken.display(token)]) {
                TextView.table(
                    results.map { result in
                        [
                            result.subject, "version \(result.version)", "id \(result.id)",
                            Names.schemaType(result.schemaType) + (result.deleted ? " (deleted)" : ""),
                        ]
                    })
            }
            if results.isEmpty, !session.output.json {
                session.output.note("no schemas match")
            }
            if !token.isEmpty, !session.output.json {
                session.output.note("(more results: --all, or --page-token \(PageToken.display(token)))")
            }
        }
    }
}
