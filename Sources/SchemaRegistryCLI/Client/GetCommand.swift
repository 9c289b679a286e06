import ArgumentParser
import Foundation
import SRPWire

/// `get`: fetches a schema by id, several by id, or a subject's version.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get",
        abstract: "Fetch a schema by id, or a subject's version.",
        discussion: """
            get <id> prints the schema text alone, so it can be redirected to a file. get --subject prints the \
            version's details and then its schema. get --ids fetches several at once (exit 2 if any is \
            missing, after printing the others). get <id> --subjects lists where the schema is registered.

            Examples:
              schema-registry get 12 > orders.avsc
              schema-registry get --subject orders-value --version latest
              schema-registry get --ids 1,2,3 --json
              schema-registry get 12 --subjects
            """)

    @Argument(help: "A schema's global id.")
    var id: UInt32?

    @Option(help: "Fetch a version of this subject instead of an id.")
    var subject: String?

    @Option(help: "With --subject: the version number, or 'latest'.")
    var version: VersionArgument = .latest

    @Option(help: ArgumentHelp("Fetch several schemas by id.", valueName: "id,id,..."))
    var ids: String?

    @Flag(help: "With an id: list the subjects and versions that use the schema.")
    var subjects = false

    @Flag(help: "Include soft-deleted versions.")
    var includeDeleted = false

    @OptionGroup(title: "Connection and output") var connection: ConnectionOptions

    func run() async throws {
        try await connection.withSession { session in
            switch (id, subject, ids) {
            case (let id?, nil, nil):
                if subjects {
                    try await subjectVersions(id: id, session)
                } else {
                    try await fetchSchema(id: id, session)
                }
            case (nil, let subject?, nil) where !subjects:
                try await fetchVersion(subject: subject, session)
            case (nil, nil, let ids?) where !subjects:
                try await batch(ids: try Self.parseIDs(ids), session)
            default:
                throw CLIError.usage("name what to get: an <id> (optionally with --subjects), --subject, or --ids")
            }
        }
    }

    static func parseIDs(_ text: String) throws -> [UInt32] {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let ids = parts.compactMap { UInt32($0) }
        guard !ids.isEmpty, ids.count == parts.count else {
            throw CLIError.usage("--ids takes comma-separated ids, like --ids 1,2,3 (got '\(text)')")
        }
        return ids
    }

    private func fetchSchema(id: UInt32, _ session: ClientSession) async throws {
        let response = try await session.client().getSchemaById(.with { $0.id = id }, options: session.callOptions)
        session.output.emit(JSONView.schema(response.schema)) { response.schema.schema }
    }

    private func subjectVersions(id: UInt32, _ session: ClientSession) async throws {
        let response = try await session.client().getSubjectVersionsById(
            .with {
                $0.id = id
                $0.includeDeleted = includeDeleted
            }, options: session.callOptions)
        session.output.emit(["subjectVersions": response.subjectVersions.map(JSONView.subjectVersion)]) {
            TextView.table(response.subjectVersions.map { [$0.subject, String($0.version)] })
        }
    }

    private func fetchVersion(subject: String, _ session: ClientSession) async throws {
        let response = try await session.client().getSchemaByVersion(
            .with {
                $0.subject = subject
                $0.version = version.value
                $0.includeDeleted = includeDeleted
            }, options: session.callOptions)
        session.output.emit(JSONView.version(response.schema)) { TextView.version(response.schema) }
    }

    private func batch(ids: [UInt32], _ session: ClientSession) async throws {
        let response = try await session.client().getSchemasByIds(.with { $0.ids = ids }, options: session.callOptions)
        session.output.emit([
            "schemas": response.schemas.map(JSONView.schema), "missingIds": response.missingIds.map { Int($0) },
        ]) {
            response.schemas.map { "id \($0.id) (\(Names.schemaType($0.schemaType)))\n\($0.schema)" }
                .joined(separator: "\n\n")
        }
        if !response.missingIds.isEmpty {
            session.output.error("not found: " + response.missingIds.map(String.init).joined(separator: ", "))
            throw ExitCode(CLIExitCode.notFound)
        }
    }
}
