import ArgumentParser
import SRPWire
import SchemaRegistryClient
import SchemaRegistryCore

/// `check`: would this schema be accepted under the subject's compatibility level?
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a schema's compatibility with a subject's versions.",
        discussion: """
            The schema comes from --schema, --file, or stdin. Checks against the latest version (or \
            --version), or with --all against every version the subject's level calls for. Prints \
            "compatible" (exit 0) or "incompatible" and the reasons (exit 3). --verbose also prints the \
            level checked against. A subject that does not exist is an error (exit 2), so a typo cannot \
            pass a CI gate; --allow-new-subject accepts it (any schema is compatible with nothing).

            Example:
              schema-registry check orders-value --file orders-v4.avsc --all
              incompatible
                - field 'total' has no default and is missing in version 3
            """)

    @Argument(help: "The subject to check against.")
    var subject: String

    @OptionGroup var input: SchemaInputOptions

    @Option(help: "The version to check against (a number, or 'latest').")
    var version: VersionArgument = .latest

    @Flag(help: "Check against every version the level calls for, not one.")
    var all = false

    @Flag(help: "Also print the compatibility level used.")
    var verbose = false

    @Flag(help: "A subject that does not exist yet is fine (compatible, exit 0) instead of an error (exit 2).")
    var allowNewSubject = false

    @OptionGroup(title: "Connection and output") var connection: ConnectionOptions

    func run() async throws {
        let report = try await connection.withSession { session in
            let schema = try input.text()
            guard try await Self.subjectExists(subject, session) else {
                guard allowNewSubject else {
                    throw CLIError(
                        message:
                            "subject '\(EchoedText.quote(subject))' does not exist (no live versions); check the name, "
                            + "or pass --allow-new-subject if a new subject is fine",
                        exitCode: CLIExitCode.notFound)
                }
                let report = Srp_CheckCompatibilityResponse.with { $0.isCompatible = true }
                session.output.emit([
                    "subject": subject, "isCompatible": true, "messages": [String](), "newSubject": true,
                ]) { "compatible (subject '\(EchoedText.quote(subject))' does not exist yet)" }
                return report
            }
            let request = try Srp_CheckCompatibilityRequest.with {
                $0.subject = subject
                $0.schemaType = input.schemaType
                $0.schema = schema
                $0.references = input.referenceValues
                $0.version = version.value
                $0.allVersions = all
                $0.normalize = input.normalize
                $0.verbose = true  // the reasons are what a person wants to see next
            }
            let report = try await session.client().checkCompatibility(request, options: session.callOptions)
            session.output.emit([
                "subject": subject, "isCompatible": report.isCompatible, "messages": report.messages,
                "level": Names.level(report.level),
            ]) {
                var lines = [report.isCompatible ? "compatible" : "incompatible"]
                if verbose { lines[0] += " (level \(Names.level(report.level)))" }
                if !report.isCompatible || verbose { lines += report.messages.map { "  - \($0)" } }
                return lines.joined(separator: "\n")
            }
            return report
        }
        if !report.isCompatible { throw ExitCode(CLIExitCode.conflict) }
    }

    /// Whether the subject has live versions (ListVersions answers 40401 when it has none).
    static func subjectExists(_ subject: String, _ session: ClientSession) async throws -> Bool {
        do {
            _ = try await session.client().listVersions(.with { $0.subject = subject }, options: session.callOptions)
            return true
        } catch let error as SchemaRegistryClientError where error.registryErrorCode == 40401 {
            return false
        }
    }
}
