import Testing

@testable import SchemaFormats

/// Confluent's Protobuf rules over protoc's descriptors: the file, messages, enums and oneofs
/// (fields: `ProtobufCompatibilityFieldTests`; nesting and imports:
/// `ProtobufCompatibilityReferenceTests`). `writer` is the old version, `reader` the new one
/// (BACKWARD).
@Suite("Protobuf compatibility: file, messages, enums, oneofs")
struct ProtobufCompatibilityTests {
    @Test("an unchanged schema has no differences")
    func identical() throws {
        let text = proto3(
            """
            package shop;
            import "google/protobuf/timestamp.proto";
            message Order {
              string id = 1;
              google.protobuf.Timestamp at = 2;
              map<string, Line> lines = 3;
              oneof payment { string card = 4; string iban = 5; }
              optional int32 priority = 6;
              Status status = 7;
              message Line { int64 quantity = 1; }
            }
            enum Status { STATUS_UNSPECIFIED = 0; STATUS_OPEN = 1; }
            """)
        guard let found = try protoDifferences(writer: text, reader: text) else { return }
        #expect(found.isEmpty, "\(found)")
    }

    @Test("PACKAGE_CHANGED is compatible (binary data does not carry it); messages stay matched by name")
    func packageChanged() throws {
        guard
            let found = try protoDifferences(
                writer: proto3("package a.v1; message M { int64 x = 1; }"),
                reader: proto3("package a.v2; message M { string x = 1; }"))
        else { return }
        #expect(found.compatible == ["PACKAGE_CHANGED@/package"])
        #expect(found.incompatible == ["FIELD_SCALAR_KIND_CHANGED@/messages/a.v2.M/fields/1"])
    }

    @Test("SYNTAX_VERSION_CHANGED is incompatible both ways (ours: defaults, presence, UTF-8 and enums change)")
    func syntaxChanged() throws {
        let two = proto2("message M { optional int32 x = 1 [default = 5]; }")
        let three = proto3("message M { int32 x = 1; }")
        guard let backward = try protoDifferences(writer: two, reader: three),
            let forward = try protoDifferences(writer: three, reader: two)
        else { return }
        #expect(backward.incompatible == ["SYNTAX_VERSION_CHANGED@/syntax"])
        #expect(forward.incompatible == ["SYNTAX_VERSION_CHANGED@/syntax"])
    }

    @Test("MESSAGE_ADDED is compatible, MESSAGE_REMOVED is not")
    func messageAddedAndRemoved() throws {
        let one = proto3("package p; message A { int32 x = 1; }")
        let two = proto3("package p; message A { int32 x = 1; } message B { string y = 1; }")
        guard let added = try protoDifferences(writer: one, reader: two),
            let removed = try protoDifferences(writer: two, reader: one)
        else { return }
        #expect(added.compatible == ["MESSAGE_ADDED@/messages/p.B"])
        #expect(added.incompatible.isEmpty)
        #expect(removed.incompatible == ["MESSAGE_REMOVED@/messages/p.B"])
    }

    @Test("a removed nested message is MESSAGE_REMOVED; a removed map's entry is not a message")
    func nestedRemoved() throws {
        guard
            let found = try protoDifferences(
                writer: proto3("message A { message Inner { int32 x = 1; } map<string, int32> m = 1; }"),
                reader: proto3("message A { }"))
        else { return }
        #expect(found.incompatible == ["MESSAGE_REMOVED@/messages/A.Inner"])
        #expect(found.compatible == ["FIELD_REMOVED@/messages/A/fields/1"])
    }

    @Test("MESSAGE_MOVED (reordered messages) is compatible: message indexes refer to the writer's schema")
    func messageMoved() throws {
        guard
            let found = try protoDifferences(
                writer: proto3("message A { int32 x = 1; } message B { int32 y = 1; }"),
                reader: proto3("message B { int32 y = 1; } message A { int32 x = 1; }"))
        else { return }
        #expect(found.compatible.sorted() == ["MESSAGE_MOVED@/messages/A", "MESSAGE_MOVED@/messages/B"])
        #expect(found.incompatible.isEmpty)
    }

    @Test("ENUM_ADDED and ENUM_REMOVED are compatible")
    func enumAddedAndRemoved() throws {
        let without = proto3("message M { int32 x = 1; }")
        let with = proto3("message M { int32 x = 1; } enum E { E_ZERO = 0; }")
        guard let added = try protoDifferences(writer: without, reader: with),
            let removed = try protoDifferences(writer: with, reader: without)
        else { return }
        #expect(added.compatible == ["ENUM_ADDED@/enums/E"])
        #expect(removed.compatible == ["ENUM_REMOVED@/enums/E"])
        #expect(added.incompatible.isEmpty && removed.incompatible.isEmpty)
    }

    @Test("ENUM_CONST_ADDED and ENUM_CONST_CHANGED are compatible")
    func enumConstAddedAndChanged() throws {
        guard
            let found = try protoDifferences(
                writer: proto3("package p; enum E { A = 0; B = 1; }"),
                reader: proto3("package p; enum E { A = 0; BEE = 1; C = 2; }"))
        else { return }
        #expect(found.compatible == ["ENUM_CONST_CHANGED@/enums/p.E/values/1", "ENUM_CONST_ADDED@/enums/p.E/values/2"])
        #expect(found.incompatible.isEmpty)
    }

    @Test("ENUM_CONST_REMOVED: compatible for an open (proto3) enum, not for a closed (proto2) one (ours)")
    func enumConstRemoved() throws {
        guard
            let open = try protoDifferences(
                writer: proto3("enum E { A = 0; B = 1; } message M { E e = 1; }"),
                reader: proto3("enum E { A = 0; } message M { E e = 1; }")),
            let closed = try protoDifferences(
                writer: proto2("enum E { A = 0; B = 1; } message M { optional E e = 1; }"),
                reader: proto2("enum E { A = 0; } message M { optional E e = 1; }"))
        else { return }
        #expect(open.compatible == ["ENUM_CONST_REMOVED@/enums/E/values/1"])
        #expect(open.incompatible.isEmpty)
        #expect(closed.incompatible == ["ENUM_CONST_REMOVED@/enums/E/values/1"])
        #expect(ProtobufDifference.Kind.enumConstRemoved.isCompatibleInConfluent)
    }

    @Test("nested enums are compared by their full name")
    func nestedEnum() throws {
        guard
            let found = try protoDifferences(
                writer: proto2("message M { enum Kind { A = 1; B = 2; } optional Kind k = 1; }"),
                reader: proto2("message M { enum Kind { A = 1; } optional Kind k = 1; }"))
        else { return }
        #expect(found.incompatible == ["ENUM_CONST_REMOVED@/enums/M.Kind/values/2"])
    }

    @Test("ONEOF_ADDED, ONEOF_REMOVED and ONEOF_FIELD_ADDED are compatible; ONEOF_FIELD_REMOVED is not")
    func oneofs() throws {
        let base = proto3("message M { int32 a = 1; }")
        let withOneof = proto3("message M { int32 a = 1; oneof choice { string b = 2; int64 c = 3; } }")
        let grown = proto3("message M { int32 a = 1; oneof choice { string b = 2; int64 c = 3; bool d = 4; } }")
        guard let added = try protoDifferences(writer: base, reader: withOneof),
            let removed = try protoDifferences(writer: withOneof, reader: base),
            let memberAdded = try protoDifferences(writer: withOneof, reader: grown),
            let memberRemoved = try protoDifferences(writer: grown, reader: withOneof)
        else { return }
        #expect(added.compatible == ["ONEOF_ADDED@/messages/M/oneofs/choice"])
        #expect(removed.compatible == ["ONEOF_REMOVED@/messages/M/oneofs/choice"])
        #expect(memberAdded.compatible == ["ONEOF_FIELD_ADDED@/messages/M/oneofs/choice/fields/4"])
        #expect(memberRemoved.incompatible == ["ONEOF_FIELD_REMOVED@/messages/M/oneofs/choice/fields/4"])
        #expect((added + removed + memberAdded).incompatible.isEmpty)
    }

    @Test("a field leaving its oneof is ONEOF_FIELD_REMOVED, as in Confluent")
    func fieldLeavesOneof() throws {
        guard
            let found = try protoDifferences(
                writer: proto3("message M { oneof choice { string b = 2; int64 c = 3; } }"),
                reader: proto3("message M { string b = 2; oneof choice { int64 c = 3; } }"))
        else { return }
        #expect(found.incompatible == ["ONEOF_FIELD_REMOVED@/messages/M/oneofs/choice/fields/2"])
    }

    @Test("one field moved into a new oneof is compatible; MULTIPLE_FIELDS_MOVED_TO_ONEOF is not")
    func fieldsMovedToNewOneof() throws {
        let plain = proto3("message M { string a = 1; int32 b = 2; }")
        guard
            let one = try protoDifferences(
                writer: plain, reader: proto3("message M { oneof choice { string a = 1; } int32 b = 2; }")),
            let two = try protoDifferences(
                writer: plain, reader: proto3("message M { oneof choice { string a = 1; int32 b = 2; } }"))
        else { return }
        #expect(one.incompatible.isEmpty, "\(one)")
        #expect(one.compatible == ["ONEOF_ADDED@/messages/M/oneofs/choice"])
        #expect(two.incompatible == ["MULTIPLE_FIELDS_MOVED_TO_ONEOF@/messages/M/oneofs/choice"])
    }

    @Test("FIELD_MOVED_TO_EXISTING_ONEOF is incompatible: setting it now clears the other member")
    func fieldMovedToExistingOneof() throws {
        guard
            let found = try protoDifferences(
                writer: proto3("message M { oneof choice { string a = 1; } int32 b = 2; }"),
                reader: proto3("message M { oneof choice { string a = 1; int32 b = 2; } }"))
        else { return }
        #expect(found.incompatible == ["FIELD_MOVED_TO_EXISTING_ONEOF@/messages/M/oneofs/choice"])
        #expect(found.compatible == ["ONEOF_FIELD_ADDED@/messages/M/oneofs/choice/fields/2"])
    }

    @Test("proto3 optional is not a oneof: adding or dropping it changes nothing on the wire")
    func proto3Optional() throws {
        guard
            let found = try protoDifferences(
                writer: proto3("message M { int32 a = 1; string s = 2; }"),
                reader: proto3("message M { optional int32 a = 1; optional string s = 2; }"))
        else { return }
        #expect(found.isEmpty, "\(found)")
    }

    @Test("the public answer: Incompatibility with Confluent's kind, the location and a message")
    func incompatibilitiesAPI() throws {
        guard let old = try ProtocDescriptors.compile([("a.proto", proto3("package p; message M { int64 x = 1; }"))]),
            let new = try ProtocDescriptors.compile([
                ("a.proto", proto3("package p; message M { string x = 1; int32 y = 2; }"))
            ])
        else { return }
        let found = ProtobufCompatibility.incompatibilities(reader: new, writer: old)
        #expect(found.map(\.kind) == ["FIELD_SCALAR_KIND_CHANGED"])
        #expect(found.first?.location == "/messages/p.M/fields/1")
        #expect(found.first?.message.contains("int64") == true)
        #expect(ProtobufCompatibility.incompatibilities(reader: old, writer: old).isEmpty)
    }
}
