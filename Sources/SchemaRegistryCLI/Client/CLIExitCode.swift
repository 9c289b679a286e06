import ArgumentParser
import SRPWire
import SchemaRegistryClient

/// The process exit codes of the client commands (documented on the root command).
enum CLIExitCode {
    static let ok: Int32 = 0
    static let unexpected: Int32 = 1
    /// As ArgumentParser exits for a bad command line (EX_USAGE), so every usage error is 64.
    static let usage: Int32 = 64
    static let notFound: Int32 = 2
    static let conflict: Int32 = 3
    static let invalidInput: Int32 = 4
    static let notPermitted: Int32 = 5
    static let unavailable: Int32 = 6
    static let throttled: Int32 = 7

    /// The exit code for a failed call.
    static func forError(_ error: SchemaRegistryClientError) -> Int32 {
        if let status = error.code.status { return forStatus(status) }
        switch error.code {
        case .connectionFailed, .connectionClosed: return unavailable
        case .deadlineExceeded: return throttled
        case .requestTooLarge: return invalidInput
        default: return unexpected  // badResponse, and local failures added later
        }
    }

    /// The exit code for a status the server answered with.
    static func forStatus(_ status: StatusCode) -> Int32 {
        switch Int(status.rawValue) {
        case 40100..<40400: return notPermitted  // unauthorized, forbidden (role or subject prefix)
        case 40400..<40500: return notFound
        case 40901, 42206: return conflict  // incompatible schema; a reference still points here
        case 42205: return notPermitted
        case 42200..<42300: return invalidInput
        case 50002: return throttled  // the store timed out
        case 50003: return unavailable
        default: break
        }
        switch status {
        case .throttled, .overloaded, .deadlineExceeded: return throttled
        case .shuttingDown, .idleTimeout: return unavailable
        case .unauthenticated: return notPermitted
        default: return unexpected
        }
    }
}

/// Hidden: prints the exit code each status maps to, so tests can check the table.
///
/// Arguments are status numbers (`40401`, `13`) or local failures (`connection-failed`,
/// `connection-closed`, `deadline-exceeded`, `bad-response`, `request-too-large`); prints `<argument> <exit code>` lines.
struct ExitCodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exit-code", abstract: "Print the exit code of each status (for tests).", shouldDisplay: false)

    @Argument var statuses: [String]

    func run() throws {
        for argument in statuses {
            let code: SchemaRegistryClientError.Code
            switch argument {
            case "connection-failed": code = .connectionFailed
            case "connection-closed": code = .connectionClosed
            case "deadline-exceeded": code = .deadlineExceeded
            case "bad-response": code = .badResponse
            case "request-too-large": code = .requestTooLarge
            default:
                guard let number = UInt16(argument) else {
                    throw ValidationError("'\(argument)' is neither a status number nor a local failure")
                }
                code = .server(StatusCode(rawValue: number))
            }
            print(argument, CLIExitCode.forError(SchemaRegistryClientError(code: code, message: "")))
        }
    }
}
