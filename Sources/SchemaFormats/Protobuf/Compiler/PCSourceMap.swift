/// Where the elements of one file are written, so that the passes after parsing report
/// `file:line:column` too. Errors are rare and locations are many (a few per field), so they are
/// not recorded while compiling: the first error parses the text again, recording them.
struct PCSourceMap {
    let file: String
    let text: String

    /// An error at `key`'s location (see ``PCParser/key(_:_:)``; the file as a whole when it is unknown).
    func error(_ key: String, _ message: String) -> ProtoSourceError {
        let at = (try? PCParser.parse(text, file: file, recordsLocations: true))?.locations[key]
        return ProtoSourceError(file: file, line: at?.line ?? 0, column: at?.column ?? 0, message: message)
    }

    func error(at token: PCToken, _ message: String) -> ProtoSourceError {
        ProtoSourceError(file: file, line: token.line, column: token.column, message: message)
    }
}
