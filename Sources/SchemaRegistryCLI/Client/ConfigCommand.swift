import ArgumentParser
import Foundation
import SRPWire

/// `config`: reads, sets or removes a compatibility level.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Show or change the compatibility level, globally or for a subject.",
        discussion: """
            Without a subject this is the global level. Prints the level (NONE, BACKWARD, \
            BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL or FULL_TRANSITIVE). A subject without a \
            level of its own exits 2 unless --default-to-global is given. --delete removes a subject's own \
            level, so it inherits the global one again.

            Examples:
              schema-registry config --set backward
              schema-registry config orders-value --set FULL_TRANSITIVE
              schema-registry config orders-value --default-to-global
            """)

    @Argument(help: "The subject (omit for the global level).")
    var subject: String?

    @Option(help: ArgumentHelp("Set this level.", valueName: "level"))
    var set: LevelArgument?

    @Flag(help: "Remove the subject's own level.")
    var delete = false

    @Flag(help: "When the subject has no level of its own, show the global one.")
    var defaultToGlobal = false

    @OptionGroup(title: "Connection and output") var connection: ConnectionOptions

    func run() async throws {
        try await connection.withSession { session in
            let level: Srp_CompatibilityLevel
            switch (set, delete) {
            case (let set?, false):
                level = try await session.client().setConfig(
                    .with {
                        $0.subject = subject ?? ""
                        $0.compatibility = set.value
                    }, options: session.callOptions
                ).compatibility
            case (nil, true):
                level = try await session.client().deleteConfig(
                    .with { $0.subject = subject ?? "" }, options: session.callOptions
                ).compatibility
            case (nil, false):
                level = try await session.client().getConfig(
                    .with {
                        $0.subject = subject ?? ""
                        $0.defaultToGlobal = defaultToGlobal
                    }, options: session.callOptions
                ).compatibility
            case (_?, true):
                throw CLIError.usage("--set and --delete do not go together")
            }
            let name = Names.level(level)
            let document: [String: Any] = [
                "subject": subject.map { $0 as Any } ?? NSNull(), "compatibility": name, "deleted": delete,
            ]
            session.output.emit(document) { delete ? "deleted \(subject ?? "global") level (was \(name))" : name }
        }
    }
}
