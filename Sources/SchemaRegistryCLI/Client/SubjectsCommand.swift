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

    @Option(help: "Subjects per page (default: the server's).")
    var pageSize: UInt32 = 0

    @Option(help: "Continue from this page (a previous answer's next page token).")
    var pageToken: String = ""

    @Flag(help: "Follow the pages to the end.")
    var all = false

    @OptionGroup(title: "Connection and output") var connection: ConnectionOptions

    func run() async throws {
        try await connection.withSession { session in
            var subjects: [String] = []
            var token = PageToken.parse(pageToken)
            repeat {
                let page = try await session.client().listSubjects(
                    .with {
                        $0.prefix = prefix
                        $0.includeDeleted = deleted
                        $0.pageSize = pageSize
                        $0.pageToken = token
                    }, options: session.callOptions)
                subjects += page.subjects
                token = page.nextPageToken
            } while all && !token.isEmpty
            session.output.emit(["subjects": subjects, "nextPageToken": PageToken.display(token)]) {
                subjects.joined(separator: "\n")
            }
            if !token.isEmpty, !session.output.json {
                session.output.note("(more subjects: --all, or --page-token \(PageToken.display(token)))")
            }
        }
    }
}
