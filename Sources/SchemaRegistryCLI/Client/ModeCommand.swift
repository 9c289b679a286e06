import ArgumentParser
import Foundation
import SRPWire

/// `mode`: reads or sets the registry's (or a subject's) mode.
struct ModeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mode",
        abstract: "Show or change the mode (READWRITE, READONLY, IMPORT), globally or for a subject.",
        discussion: """
            Without a subject this is the global mode. In READONLY, registrations and deletes exit 5; in \
            IMPORT, registrations must carry --id. Switching to IMPORT where schemas exist needs --force.

            Examples:
              schema-registry mode
              schema-registry mode orders-value --set readonly
              schema-registry mode --set IMPORT --force
            """)

    @Argument(help: "The subject (omit for the global mode).")
    var subject: String?

    @Option(help: ArgumentHelp("Set this mode.", valueName: "mode"))
    var set: ModeArgument?

    @Flag(help: "With --set IMPORT: allow it even where schemas already exist.")
    var force = false

    @Flag(help: "When the subject has no mode of its own, show the global one.")
    var defaultToGlobal = false

    @OptionGroup(title: "Connection and output") var connection: ConnectionOptions

    func run() async throws {
        try await connection.withSession { session in
            let mode: Srp_Mode
            if let set {
                mode = try await session.client().setMode(
                    .with {
                        $0.subject = subject ?? ""
                        $0.mode = set.value
                        $0.force = force
                    }, options: session.callOptions
                ).mode
            } else {
                guard !force else { throw CLIError.usage("--force only goes with --set") }
                mode = try await session.client().getMode(
                    .with {
                        $0.subject = subject ?? ""
                        $0.defaultToGlobal = defaultToGlobal
                    }, options: session.callOptions
                ).mode
            }
            let document: [String: Any] = ["subject": subject.map { $0 as Any } ?? NSNull(), "mode": Names.mode(mode)]
            session.output.emit(document) { Names.mode(mode) }
        }
    }
}
