/// Where the elements of one file are written (from the parser, by element key), so that the
/// passes after parsing report `file:line:column` too.
struct PCSourceMap {
    let file: String
    let locations: [String: PCToken]

    /// An error at `key`'s location (the file as a whole when it is unknown).
    func error(_ key: String, _ message: String) -> ProtoSourceError {
        let at = locations[key]
        return ProtoSourceError(file: file, line: at?.line ?? 0, column: at?.column ?? 0, message: message)
    }

    func error(at token: PCToken, _ message: String) -> ProtoSourceError {
        ProtoSourceError(file: file, line: token.line, column: token.column, message: message)
    }
}
