import ArgumentParser
import SRPWire

/// `versions`: lists a subject's version numbers.
struct VersionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions",
        abstract: "List the versions of a subject.",
        discussion: """
            Prints one version number per line; exits 2 if the subject does not exist.

            Example:
              schema-registry versions orders-value --deleted
            """)

    @Argument(help: "The subject.")
    var subject: String

    @Flag(help: "Include soft-deleted versions.")
    var deleted = false

    @OptionGroup(title: "Connection and output") var connection: ConnectionOptions

    func run() async throws {
        try await connection.withSession { session in
            let response = try await session.client().listVersions(
                .with {
                    $0.subject = subject
                    $0.includeDeleted = deleted
                }, options: session.callOptions)
            session.output.emit(["subject": subject, "versions": response.versions.map { Int($0) }]) {
                response.versions.map(String.init).joined(separator: "\n")
            }
        }
    }
}
