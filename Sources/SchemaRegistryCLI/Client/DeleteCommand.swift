import ArgumentParser
import SRPWire

/// `delete`: soft- or hard-deletes a subject or one of its versions.
struct DeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a subject, or one version of it.",
        discussion: """
            A delete is soft (recoverable with --include-deleted reads) unless --permanent is given; a \
            permanent delete is only allowed after a soft one. Exits 2 if there is nothing to delete, 3 if \
            another schema still references what would be removed.

            Examples:
              schema-registry delete orders-value --version 2
              schema-registry delete orders-value
              schema-registry delete orders-value --permanent
            """)

    @Argument(help: "The subject.")
    var subject: String

    @Option(help: "Delete only this version (a number, or 'latest').")
    var version: VersionArgument?

    @Flag(help: "Remove for good (after a soft delete).")
    var permanent = false

    @OptionGroup(title: "Connection and output") var connection: ConnectionOptions

    func run() async throws {
        try await connection.withSession { session in
            let how = permanent ? "permanently deleted" : "deleted"
            if let version {
                let response = try await session.client().deleteVersion(
                    .with {
                        $0.subject = subject
                        $0.version = version.value
                        $0.permanent = permanent
                    }, options: session.callOptions)
                session.output.emit([
                    "subject": subject, "versions": [Int(response.version)], "permanent": permanent,
                ]) { "\(how) \(subject) version \(response.version)" }
            } else {
                let response = try await session.client().deleteSubject(
                    .with {
                        $0.subject = subject
                        $0.permanent = permanent
                    }, options: session.callOptions)
                let versions = response.versions.map { Int($0) }
                session.output.emit(["subject": subject, "versions": versions, "permanent": permanent]) {
                    "\(how) \(subject) (versions \(versions.map(String.init).joined(separator: ", ")))"
                }
            }
        }
    }
}
