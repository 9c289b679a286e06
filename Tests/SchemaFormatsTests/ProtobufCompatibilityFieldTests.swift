import Testing

@testable import SchemaFormats

/// Field rules: added, removed, renamed, kinds, scalar kinds, named types, labels, maps.
@Suite("Protobuf compatibility: fields")
struct ProtobufCompatibilityFieldTests {
    /// `M`'s field 1 declared as `writer` then as `reader` (e.g. "int32", "repeated string").
    private func change(_ writer: String, _ reader: String, proto2 isProto2: Bool = false) throws
        -> [ProtobufDifference]?
    {
        let label = isProto2 ? "optional " : ""
        let types =
            "enum E { E0 = 0; E1 = 1; } enum F { F0 = 0; } message N { \(label)int32 n = 1; } "
            + "message O { \(label)int32 n = 1; }"
        let syntax = isProto2 ? proto2 : proto3
        return try protoDifferences(
            writer: syntax("\(types) message M { \(writer) x = 1; }"),
            reader: syntax("\(types) message M { \(reader) x = 1; }"))
    }

    @Test("FIELD_ADDED and FIELD_REMOVED are compatible (unknown fields are skipped)")
    func addedAndRemoved() throws {
        let one = proto3("message M { int32 a = 1; }")
        let two = proto3("message M { int32 a = 1; string b = 2; }")
        guard let added = try protoDifferences(writer: one, reader: two),
            let removed = try protoDifferences(writer: two, reader: one)
        else { return }
        #expect(added.compatible == ["FIELD_ADDED@/messages/M/fields/2"])
        #expect(removed.compatible == ["FIELD_REMOVED@/messages/M/fields/2"])
        #expect((added + removed).incompatible.isEmpty)
    }

    @Test("FIELD_NAME_CHANGED is compatible: binary data carries numbers")
    func renamed() throws {
        guard
            let found = try protoDifferences(
                writer: proto3("message M { int32 a = 1; }"), reader: proto3("message M { int32 b = 1; }"))
        else { return }
        #expect(found.compatible == ["FIELD_NAME_CHANGED@/messages/M/fields/1"])
        #expect(found.incompatible.isEmpty)
    }

    @Test("REQUIRED_FIELD_ADDED and REQUIRED_FIELD_REMOVED are incompatible; optional fields are not")
    func required() throws {
        let base = proto2("message M { optional int32 a = 1; }")
        let withRequired = proto2("message M { optional int32 a = 1; required string b = 2; }")
        let withOptional = proto2("message M { optional int32 a = 1; optional string b = 2; }")
        guard let added = try protoDifferences(writer: base, reader: withRequired),
            let removed = try protoDifferences(writer: withRequired, reader: base),
            let optional = try protoDifferences(writer: base, reader: withOptional)
        else { return }
        #expect(added.incompatible == ["REQUIRED_FIELD_ADDED@/messages/M/fields/2"])
        #expect(removed.incompatible == ["REQUIRED_FIELD_REMOVED@/messages/M/fields/2"])
        #expect(optional.incompatible.isEmpty)
    }

    @Test(
        "FIELD_KIND_CHANGED: scalar, message and map are read differently",
        arguments: [
            ("int32", "N"), ("N", "bytes"), ("map<string, int32>", "N"), ("E", "N"),
            ("repeated N", "map<string, int32>"),
        ])
    func kindChanged(_ writer: String, _ reader: String) throws {
        guard let found = try change(writer, reader) else { return }
        #expect(found.incompatible == ["FIELD_KIND_CHANGED@/messages/M/fields/1"], "\(writer) -> \(reader)")
    }

    /// (writer, reader, compatible): Confluent's groups, and inside them only the changes that keep
    /// every value (ours: Confluent accepts every change inside a group).
    static let scalarChanges: [(String, String, Bool)] = [
        ("int32", "int64", true), ("uint32", "int64", true), ("uint32", "uint64", true), ("bool", "int32", true),
        ("bool", "uint64", true), ("sint32", "sint64", true), ("string", "bytes", true), ("E", "int32", true),
        ("E", "int64", true), ("int32", "E", true), ("bool", "E", true),
        ("int64", "int32", false), ("int32", "uint32", false), ("int32", "uint64", false),
        ("uint64", "int64", false), ("uint32", "int32", false), ("int32", "bool", false), ("sint64", "sint32", false),
        ("fixed32", "sfixed32", false), ("sfixed64", "fixed64", false), ("bytes", "string", false),
        ("int64", "E", false), ("E", "uint32", false),
        // Between groups (Confluent refuses these too).
        ("int64", "string", false), ("float", "double", false), ("int32", "sint32", false),
        ("fixed32", "int32", false), ("double", "fixed64", false), ("string", "E", false),
    ]

    @Test("FIELD_SCALAR_KIND_CHANGED", arguments: scalarChanges)
    func scalarKindChanged(_ writer: String, _ reader: String, _ compatible: Bool) throws {
        guard let found = try change(writer, reader) else { return }
        #expect(
            found.incompatible == (compatible ? [] : ["FIELD_SCALAR_KIND_CHANGED@/messages/M/fields/1"]),
            "\(writer) -> \(reader): \(found)")
        #expect(found.compatible.isEmpty)
    }

    @Test("an integer read as a proto2 (closed) enum is FIELD_SCALAR_KIND_CHANGED (ours)")
    func integerToClosedEnum() throws {
        guard let found = try change("optional int32", "optional E", proto2: true) else { return }
        #expect(found.incompatible == ["FIELD_SCALAR_KIND_CHANGED@/messages/M/fields/1"])
    }

    @Test("FIELD_NAMED_TYPE_CHANGED: another message, or another enum (ours for enums)")
    func namedTypeChanged() throws {
        guard let message = try change("N", "O"), let enumeration = try change("E", "F") else { return }
        #expect(message.incompatible == ["FIELD_NAMED_TYPE_CHANGED@/messages/M/fields/1"])
        #expect(enumeration.incompatible == ["FIELD_NAMED_TYPE_CHANGED@/messages/M/fields/1"])
    }

    @Test(
        "FIELD_NUMERIC_LABEL_CHANGED: any label change of a number or enum",
        arguments: [("int32", "repeated int32"), ("repeated int64", "int64"), ("repeated E", "E")])
    func numericLabel(_ writer: String, _ reader: String) throws {
        guard let found = try change(writer, reader) else { return }
        #expect(found.incompatible == ["FIELD_NUMERIC_LABEL_CHANGED@/messages/M/fields/1"], "\(found)")
    }

    @Test("FIELD_NUMERIC_LABEL_CHANGED in proto2: optional <-> required, packed is no label")
    func numericLabelProto2() throws {
        guard let required = try change("optional int32", "required int32", proto2: true),
            let packed = try protoDifferences(
                writer: proto2("message M { repeated int32 x = 1; }"),
                reader: proto2("message M { repeated int32 x = 1 [packed = true]; }"))
        else { return }
        #expect(required.incompatible == ["FIELD_NUMERIC_LABEL_CHANGED@/messages/M/fields/1"])
        #expect(packed.isEmpty, "parsers accept both packed and unpacked repeated numbers: \(packed)")
    }

    @Test("FIELD_STRING_OR_BYTES_LABEL_CHANGED: singular -> repeated compatible, repeated -> singular not (ours)")
    func stringOrBytesLabel() throws {
        guard let widened = try change("string", "repeated string"),
            let narrowed = try change("repeated bytes", "bytes"),
            let required = try change("optional string", "required string", proto2: true)
        else { return }
        #expect(widened.compatible == ["FIELD_STRING_OR_BYTES_LABEL_CHANGED@/messages/M/fields/1"])
        #expect(narrowed.incompatible == ["FIELD_STRING_OR_BYTES_LABEL_CHANGED@/messages/M/fields/1"])
        #expect(required.incompatible == ["FIELD_STRING_OR_BYTES_LABEL_CHANGED@/messages/M/fields/1"])
        #expect(ProtobufDifference.Kind.fieldStringOrBytesLabelChanged.isCompatibleInConfluent)
    }

    @Test("FIELD_MESSAGE_LABEL_CHANGED (ours): repeated -> singular merges the messages into one")
    func messageLabel() throws {
        guard let widened = try change("N", "repeated N"), let narrowed = try change("repeated N", "N") else {
            return
        }
        #expect(widened.compatible == ["FIELD_MESSAGE_LABEL_CHANGED@/messages/M/fields/1"])
        #expect(widened.incompatible.isEmpty)
        #expect(narrowed.incompatible == ["FIELD_MESSAGE_LABEL_CHANGED@/messages/M/fields/1"])
    }

    @Test("maps: key and value compared as fields, at /key and /value")
    func maps() throws {
        guard let widened = try change("map<string, int32>", "map<string, int64>"),
            let narrowed = try change("map<string, int64>", "map<string, int32>"),
            let key = try change("map<string, int32>", "map<int32, int32>"),
            let value = try change("map<string, N>", "map<string, O>"),
            let valueKind = try change("map<string, N>", "map<string, string>")
        else { return }
        #expect(widened.isEmpty, "\(widened)")
        #expect(narrowed.incompatible == ["FIELD_SCALAR_KIND_CHANGED@/messages/M/fields/1/value"])
        #expect(key.incompatible == ["FIELD_SCALAR_KIND_CHANGED@/messages/M/fields/1/key"])
        #expect(value.incompatible == ["FIELD_NAMED_TYPE_CHANGED@/messages/M/fields/1/value"])
        #expect(valueKind.incompatible == ["FIELD_KIND_CHANGED@/messages/M/fields/1/value"])
    }

    @Test("FULL: int32 -> int64 is read backward but not forward")
    func bothWays() throws {
        guard let backward = try change("int32", "int64"), let forward = try change("int64", "int32") else { return }
        #expect(backward.incompatible.isEmpty)
        #expect(forward.incompatibleKinds == ["FIELD_SCALAR_KIND_CHANGED"])
    }
}
