import ArgumentParser

/// A failure found by the CLI itself, before or after talking to the server.
struct CLIError: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32
    var details: [String] = []

    var description: String { message }

    /// Options that do not fit together, or a value that does not parse.
    static func usage(_ message: String) -> CLIError {
        CLIError(message: message, exitCode: CLIExitCode.usage)
    }

    /// Input (a schema, a payload, a file) that cannot be used.
    static func invalidInput(_ message: String) -> CLIError {
        CLIError(message: message, exitCode: CLIExitCode.invalidInput)
    }
}
