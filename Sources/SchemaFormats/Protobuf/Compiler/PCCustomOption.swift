/// A custom option as written (`option (my.ext).field = value;`), kept by the parser until
/// names resolve; ``PCCustomOptions`` interprets it into the options message's unknown fields,
/// as protoc does when it writes a descriptor set.
struct PCCustomOption {
    struct Part {
        var name: String
        var isExtension: Bool
    }

    var parts: [Part]
    var value: PCOptions.Constant
    /// The option's name and its value, for error messages.
    var at: PCToken
    var valueAt: PCToken
}
