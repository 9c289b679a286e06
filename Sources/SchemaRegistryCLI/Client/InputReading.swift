import Foundation

/// Reads text given inline, from a file (`-` for stdin) or piped on stdin.
enum InputReading {
    /// The text of `inline`, else of `file`, else of stdin when it is not a terminal. Bytes that
    /// are not UTF-8 are refused (exit 4), never rewritten to U+FFFD behind the user's back.
    static func text(inline: String?, file: String?, what: String, flags: String) throws -> String {
        let data = try bytes(inline: inline, file: file, what: what, flags: flags)
        guard let text = String(validating: data, as: UTF8.self) else {
            let offset = Self.firstInvalidUTF8(in: data) ?? 0
            throw CLIError.invalidInput("the \(what) is not UTF-8 text (first bad byte at offset \(offset))")
        }
        return text
    }

    /// The offset of the first byte that does not start or continue a valid UTF-8 sequence.
    static func firstInvalidUTF8(in data: Data) -> Int? {
        var decoder = UTF8()
        var iterator = data.makeIterator()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
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
