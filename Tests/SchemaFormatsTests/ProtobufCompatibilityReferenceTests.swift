import Testing

@testable import SchemaFormats

/// Nested messages, types from imports (references), recursive types, well-known types.
@Suite("Protobuf compatibility: nested and imported types")
struct ProtobufCompatibilityReferenceTests {
    @Test("a nested message's fields are compared, located by its full name")
    func nested() throws {
        guard
            let found = try protoDifferences(
                writer: proto3("package shop; message Order { Line line = 1; message Line { int64 qty = 2; } }"),
                reader: proto3("package shop; message Order { Line line = 1; message Line { string qty = 2; } }"))
        else { return }
        #expect(found.incompatible == ["FIELD_SCALAR_KIND_CHANGED@/messages/shop.Order.Line/fields/2"])
    }

    @Test("a message moved out of its parent is another named type")
    func nestedMovedOut() throws {
        guard
            let found = try protoDifferences(
                writer: proto3("message Order { Line line = 1; message Line { int64 qty = 1; } }"),
                reader: proto3("message Order { Line line = 1; } message Line { int64 qty = 1; }"))
        else { return }
        #expect(
            found.incompatible.sorted() == [
                "FIELD_NAMED_TYPE_CHANGED@/messages/Order/fields/1", "MESSAGE_REMOVED@/messages/Order.Line",
            ])
        #expect(found.compatible == ["MESSAGE_ADDED@/messages/Line"])
    }

    static let moneyV1 = (
        path: "common/money.proto",
        text: proto3("package common; message Money { string currency = 1; int64 units = 2; }")
    )
    static let order = proto3(
        """
        package shop;
        import "common/money.proto";
        message Order { common.Money total = 1; repeated common.Money taxes = 2; }
        """)

    @Test("an imported message changed incompatibly: the change where it is, and the fields that use it")
    func importedIncompatible() throws {
        let moneyV2 = (
            path: "common/money.proto",
            text: proto3("package common; message Money { string currency = 1; int32 units = 2; }")
        )
        guard
            let found = try protoDifferences(
                writer: Self.order, reader: Self.order, writerImports: [Self.moneyV1], readerImports: [moneyV2])
        else { return }
        #expect(
            found.incompatible == [
                "FIELD_SCALAR_KIND_CHANGED@/messages/common.Money/fields/2",
                "FIELD_NAMED_TYPE_CHANGED@/messages/shop.Order/fields/1",
                "FIELD_NAMED_TYPE_CHANGED@/messages/shop.Order/fields/2",
            ], "compared once, reported for each field that uses it")
    }

    @Test("an imported message changed compatibly: its compatible differences only")
    func importedCompatible() throws {
        let moneyV2 = (
            path: "common/money.proto",
            text: proto3("package common; message Money { string currency = 1; int64 units = 2; int32 nanos = 3; }")
        )
        guard
            let found = try protoDifferences(
                writer: Self.order, reader: Self.order, writerImports: [Self.moneyV1], readerImports: [moneyV2])
        else { return }
        #expect(found.incompatible.isEmpty)
        #expect(found.compatible == ["FIELD_ADDED@/messages/common.Money/fields/3"])
    }

    @Test("a message moved to an import keeps its name in the package: compared by content")
    func movedToImport() throws {
        let local = proto3("package common; message Order { Money total = 1; } message Money { int64 units = 1; }")
        let imported = proto3(
            "package common; import \"common/money.proto\"; message Order { Money total = 1; }")
        let same = (path: "common/money.proto", text: proto3("package common; message Money { int64 units = 1; }"))
        let changed = (path: "common/money.proto", text: proto3("package common; message Money { bool units = 1; }"))
        guard let compatible = try protoDifferences(writer: local, reader: imported, readerImports: [same]),
            let incompatible = try protoDifferences(writer: local, reader: imported, readerImports: [changed])
        else { return }
        // The top-level Money left the file (MESSAGE_REMOVED, as Confluent compares the file's own
        // messages by name); the field still reads it.
        #expect(compatible.incompatible == ["MESSAGE_REMOVED@/messages/common.Money"])
        #expect(
            incompatible.incompatible == [
                "MESSAGE_REMOVED@/messages/common.Money",
                "FIELD_SCALAR_KIND_CHANGED@/messages/common.Money/fields/1",
                "FIELD_NAMED_TYPE_CHANGED@/messages/common.Order/fields/1",
            ])
    }

    @Test("an imported enum is compared through the field (ours: Confluent compares enums by name only)")
    func importedEnum() throws {
        let v1 = (path: "kinds.proto", text: proto2("package k; enum Kind { A = 1; B = 2; }"))
        let v2 = (path: "kinds.proto", text: proto2("package k; enum Kind { A = 1; }"))
        let schema = proto2("import \"kinds.proto\"; message M { optional k.Kind kind = 1; }")
        guard let found = try protoDifferences(writer: schema, reader: schema, writerImports: [v1], readerImports: [v2])
        else { return }
        #expect(
            found.incompatible == [
                "ENUM_CONST_REMOVED@/enums/k.Kind/values/2", "FIELD_NAMED_TYPE_CHANGED@/messages/M/fields/1",
            ])
    }

    @Test("recursive imported types end (each pair is compared once)")
    func recursive() throws {
        let v1 = (
            path: "tree.proto", text: proto3("package t; message Node { repeated Node children = 1; int32 v = 2; }")
        )
        let v2 = (
            path: "tree.proto", text: proto3("package t; message Node { repeated Node children = 1; int64 v = 2; }")
        )
        let v3 = (
            path: "tree.proto", text: proto3("package t; message Node { repeated Node children = 1; int32 v = 2; }")
        )
        let schema = proto3("import \"tree.proto\"; message Root { t.Node tree = 1; }")
        guard
            let widened = try protoDifferences(
                writer: schema, reader: schema, writerImports: [v1], readerImports: [v2]),
            let narrowed = try protoDifferences(
                writer: schema, reader: schema, writerImports: [v2], readerImports: [v3])
        else { return }
        #expect(widened.isEmpty, "\(widened)")
        #expect(
            narrowed.incompatible == [
                "FIELD_SCALAR_KIND_CHANGED@/messages/t.Node/fields/2",
                "FIELD_NAMED_TYPE_CHANGED@/messages/Root/fields/1",
            ])
    }

    @Test("well-known types: unchanged is nothing, another one is FIELD_NAMED_TYPE_CHANGED")
    func wellKnown() throws {
        let timestamp = proto3(
            "import \"google/protobuf/timestamp.proto\"; message M { google.protobuf.Timestamp at = 1; }")
        let duration = proto3(
            "import \"google/protobuf/duration.proto\"; message M { google.protobuf.Duration at = 1; }")
        guard let same = try protoDifferences(writer: timestamp, reader: timestamp),
            let other = try protoDifferences(writer: timestamp, reader: duration)
        else { return }
        #expect(same.isEmpty)
        #expect(other.incompatible == ["FIELD_NAMED_TYPE_CHANGED@/messages/M/fields/1"])
    }

    @Test("a local self-referencing message is compared once")
    func localRecursion() throws {
        guard
            let found = try protoDifferences(
                writer: proto3("message Node { Node next = 1; int32 v = 2; }"),
                reader: proto3("message Node { Node next = 1; int32 v = 2; string label = 3; }"))
        else { return }
        #expect(found.compatible == ["FIELD_ADDED@/messages/Node/fields/3"])
        #expect(found.incompatible.isEmpty)
    }
}
