import ArgumentParser
import SRPWire
import SchemaRegistryClient

/// `versions`: lists a subject's version numbers.
struct VersionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions",
        abstract: "List the versions of a subject.",
        discussion: """
            Prints one version number per line; exits 2 if the subject does not exist. With --deleted, \
            soft-deleted versions are listed too, marked "(deleted)" (and under "deleted" with --json).

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
            var deletedVersions: [Int32] = []
            if deleted {
                // The live ones, to tell which of all the versions are soft-deleted (none live:
                // the subject itself is soft-deleted, and ListVersions answers 40401).
                var live: [Int32] = []
                do {
                    live = try await session.client().listVersions(
                        .with { $0.subject = subject }, options: session.callOptions
                    ).versions
                } catch let error as SchemaRegistryClientError where error.registryErrorCode == 40401 {}
                deletedVersions = response.versions.filter { !live.contains($0) }
            }
            var document: [String: Any] = ["subject": subject, "versions": response.versions.map { Int($0) }]
            if deleted { document["deleted"] = deletedVersions.map { Int($0) } }
            session.output.emit(document) {
                response.versions.map { deletedVersions.contains($0) ? "\($0) (deleted)" : "\($0)" }
                    .joined(separator: "\n")
            }
        }
    }
}
