import ArgumentParser
import SRPWire

/// `subjects`: lists subjects, one page or all of them.
struct SubjectsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subjects",
        abstract: "List subjects.",
        discussion: """
            Prints one subject per line. Without --all only the first page comes back; the token for the \
            next one is printed on stderr (and as nextPageToken with --json).

            Examples:
              schema-registry subjects --prefix orders-
              schema-registry subjects --all --json | jq -r '.subjects[]'
            """)

    @Option(help: "Only subjects starting with this.")
    var prefix: String = ""

    @Flag(help: "Include soft-deleted subjects.")
    var deleted = false

    @OptionGroup(title: "Paging") var paging: PagingOptions

    @OptionGroup(title: "Connection and output") var connection: ConnectionOptions

    func run() async throws {
        try await connection.withSession { session in
            let (subjects, token) = try await paging.collect { pageSize, token in
                let page = try await session.client().listSubjects(
                    .with {
                        $0.prefix = prefix
                        $0.includeDeleted = deleted
                        $0.pageSize = pageSize
                        $0.pageToken = token
                    }, options: session.callOptions)
                return (page.subjects, page.nextPageToken)
            }
            session.output.emit(["subjects": subjects, "nextPageToken": PageToken.display(token)]) {
                subjects.joined(separator: "\n")
            }
            if !token.isEmpty, !session.output.json {
                session.output.note("(more subjects: --all, or --page-token \(PageToken.display(token)))")
            }
        }
    }
}
