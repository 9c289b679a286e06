import SchemaRegistryCore
import SwiftProtobuf

/// Protobuf schemas (`.proto` text, proto2 and proto3) behind the ``SchemaFormat`` seam.
///
/// - **Parsing**: ``ProtoFileCompiler`` compiles the text as protoc would; imports resolve to the
///   schema's references by name (Confluent's rule: the reference name is the import path) and
///   the well-known types (`google/protobuf/*.proto`) without being registered.
/// - **Identity**: the canonical text is the compiled descriptor printed in one layout
///   (``ProtoPrinter``), so texts that differ in whitespace, comments or how names are written
///   share an id; `normalize` also sorts imports and options, as Confluent's normalisation does.
///   When the printed form would not compile back to the same descriptor (custom options, which
///   the printer cannot name), the author's text is kept as it is.
/// - **Serialized form**: a schema may be registered as a base64 `FileDescriptorProto`
///   (Confluent's `format=serialized`); it is printed to text first.
public struct ProtobufFormat: SchemaFormat {
    public var type: SchemaType { .protobuf }
    /// The name the schema's own file has in error messages and in its descriptor.
    public static let fileName = "schema.proto"

    public init() {}

    public var compatibilityChecker: (any CompatibilityChecker)? { ProtobufCompatibilityChecker() }

    public func parse(_ text: String, references: [ResolvedReference], normalize: Bool) throws -> ParsedSchema {
        let imports = Dictionary(
            references.map { ($0.reference.name, $0.schema.text) }, uniquingKeysWith: { a, _ in a })
        let compiled: CompiledProtoFile
        let symbols: PCResolver
        var source = text
        do {
            (compiled, symbols) = try ProtoFileCompiler.compileKeepingSymbols(
                fileName: Self.fileName, source: text, imports: { imports[$0] })
        } catch {
            // Confluent's serialized form: a base64 FileDescriptorProto.
            guard let descriptor = Self.serializedDescriptor(text) else { throw Self.invalid(error) }
            source = ProtoPrinter.print(descriptor)
            do {
                (compiled, symbols) = try ProtoFileCompiler.compileKeepingSymbols(
                    fileName: Self.fileName, source: source, imports: { imports[$0] })
            } catch let second {
                throw Self.invalid(second)
            }
        }
        // The printer leaves custom options out: such a file keeps its author's text.
        guard !compiled.hasCustomOptions else {
            return ParsedSchema(type: .protobuf, canonicalText: source, references: references, model: compiled)
        }
        let printed = ProtoPrinter.print(compiled.file, normalize: normalize)
        let canonical =
            Self.compilesBack(printed, to: compiled, symbols: symbols, normalize: normalize) ? printed : source
        return ParsedSchema(type: .protobuf, canonicalText: canonical, references: references, model: compiled)
    }

    public func validate(payload: [UInt8], against schema: ParsedSchema) -> [PayloadError]? {
        guard let compiled = schema.model as? CompiledProtoFile else { return nil }
        return ProtoJSONValidator.validate(payload: payload, file: compiled, messageIndexes: [0])
    }

    /// A binary payload (after the Confluent frame) of the message `messageIndexes` names.
    public func validate(datum: ArraySlice<UInt8>, messageIndexes: [Int], against schema: ParsedSchema)
        -> [PayloadError]?
    {
        guard let compiled = schema.model as? CompiledProtoFile else { return nil }
        return ProtoBinaryValidator.validate(payload: datum, file: compiled, messageIndexes: messageIndexes)
    }

    /// The schema as Confluent's `format=serialized` answers it: base64 of its descriptor.
    public static func serialized(_ text: String, references: [ResolvedReference]) -> String? {
        guard let parsed = try? ProtobufFormat().parseStored(text, references: references),
            let compiled = parsed.model as? CompiledProtoFile,
            let bytes = try? compiled.file.serializedBytes() as [UInt8]
        else { return nil }
        return Base64.encode(bytes)
    }

    static func invalid(_ error: any Error) -> RegistryError {
        RegistryError(.invalidSchema, "Invalid Protobuf schema: \(error)")
    }

    /// Whether `printed` compiles to the descriptor the author's text compiled to (imports and
    /// options may be reordered when normalising; everything else must be equal).
    private static func compilesBack(
        _ printed: String, to compiled: CompiledProtoFile, symbols: PCResolver, normalize: Bool
    ) -> Bool {
        guard
            var again = try? ProtoFileCompiler.recompile(printed, fileName: fileName, like: compiled, symbols: symbols)
        else {
            return false
        }
        var expected = compiled.file
        if normalize {
            expected.dependency.sort()
            again.dependency.sort()
            expected.publicDependency = []
            again.publicDependency = []
            expected.weakDependency = []
            again.weakDependency = []
        }
        return again == expected
    }

    private static func serializedDescriptor(_ text: String) -> Google_Protobuf_FileDescriptorProto? {
        let trimmed = text.filter { !$0.isWhitespace }
        guard !trimmed.isEmpty, let bytes = Base64.decode(trimmed),
            let descriptor = try? Google_Protobuf_FileDescriptorProto(serializedBytes: bytes),
            !descriptor.messageType.isEmpty || !descriptor.enumType.isEmpty || !descriptor.service.isEmpty
        else { return nil }
        return descriptor
    }
}

/// Confluent's Protobuf rules (``ProtobufCompatibility``) behind the seam.
struct ProtobufCompatibilityChecker: CompatibilityChecker {
    func incompatibilities(reader: ParsedSchema, writer: ParsedSchema) -> [Incompatibility] {
        guard let reader = reader.model as? CompiledProtoFile, let writer = writer.model as? CompiledProtoFile else {
            return [Incompatibility(kind: "TYPE_MISMATCH", location: "", message: "Not both Protobuf schemas.")]
        }
        return ProtobufCompatibility.incompatibilities(reader: reader, writer: writer)
    }
}
