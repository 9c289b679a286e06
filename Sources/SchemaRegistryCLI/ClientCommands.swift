import ArgumentParser

/// The client subcommands (register, get, ...): each connects to a server, makes one or a
/// few calls and prints the answer as text, or as one JSON document with `--json`.
enum ClientCommands {
    static let all: [any ParsableCommand.Type] = [
        RegisterCommand.self, GetCommand.self, LookupCommand.self, SubjectsCommand.self, VersionsCommand.self,
        DeleteCommand.self, ConfigCommand.self, ModeCommand.self, CheckCommand.self, ValidateCommand.self,
        SearchCommand.self, InfoCommand.self, WatchCommand.self, ExitCodeCommand.self,
    ]
}
