import SwiftProtobuf

/// A compiled `.proto` schema: its own file's descriptor, as `protoc --descriptor_set_out`
/// would produce it (no source info), and the descriptors of every file it imports,
/// transitively (registered references and the well-known types), by import path.
///
/// Type names in fields are resolved and fully qualified (`.pkg.Message`), field types set
/// (`TYPE_MESSAGE` or `TYPE_ENUM` for named types), as protoc resolves them; so checkers and
/// validators never resolve names again.
public struct CompiledProtoFile: Sendable {
    // Constants: `wirePlan` is derived from them once and shared by copies.
    public let file: Google_Protobuf_FileDescriptorProto
    public let dependencies: [String: Google_Protobuf_FileDescriptorProto]
    /// Whether the file's own text sets custom options (options defined by extensions), which
    /// the canonical printer does not print: such a file keeps its author's text.
    public let hasCustomOptions: Bool
    /// What binary payload validation needs of the file, built on first use (see ``ProtoWirePlan``).
    let wirePlan = ProtoWirePlanBox()

    public init(
        file: Google_Protobuf_FileDescriptorProto, dependencies: [String: Google_Protobuf_FileDescriptorProto],
        hasCustomOptions: Bool = false
    ) {
        self.file = file
        self.dependencies = dependencies
        self.hasCustomOptions = hasCustomOptions
    }
}

/// What is wrong with a `.proto` text, and where: `file:line:column: message`, with what
/// was expected (e.g. "expected ';' after field, found '}'").
public struct ProtoSourceError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 when the error concerns the file as a whole (an import cycle, a missing import).
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)" }
}
