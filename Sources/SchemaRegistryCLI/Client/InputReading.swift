import Foundation

/// Reads text given inline, from a file (`-` for stdin) or piped on stdin.
enum InputReading {
    /// The text of `inline`, else of `file`, else of stdin when it is not a terminal.
    static func text(inline: String?, file: String?, what: String, flags: String) throws -> String {
        String(decoding: try bytes(inline: inline, file: file, what: what, flags: flags), as: UTF8.self)
    }

    static func bytes(inline: String?, file: String?, what: String, flags: String) throws -> Data {
        if inline != nil, file != nil { throw CLIError.usage("give the \(what) once: \(flags)") }
        let data: Data
        if let inline {
            data = Data(inline.utf8)
        } else if let file, file != "-" {
            guard let contents = FileManager.default.contents(atPath: file) else {
                throw CLIError.invalidInput("cannot read \(what) file '\(file)'")
            }
            data = contents
        } else {
            if file == nil, isatty(FileHandle.standardInput.fileDescriptor) != 0 {
                throw CLIError.usage("no \(what) given: pass \(flags), or pipe it on stdin")
            }
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        guard data.contains(where: { !Character(UnicodeScalar($0)).isWhitespace }) else {
            throw CLIError.invalidInput("the \(what) is empty")
        }
        return data
    }
}
