import Foundation
import SwiftProtobuf
import Testing

@testable import SchemaFormats

/// `ProtoFileCompiler` against protoc on inline cases (the file corpus is `ProtoOracleTests`): both must produce the same
/// `FileDescriptorProto`; for every broken file both must refuse it.
@Suite("Protobuf compiler against protoc")
struct ProtoCompilerOracleTests {
    static let valid: [[(String, String)]] =
        ProtoPrinterTests.samples.map { [("sample.proto", $0)] } + [
            [("a.proto", #"syntax = "proto3"; message A { int32 x = 1; }"#)],
            [("p.proto", "message P { optional int32 a = 1; }")],  // no syntax: proto2
            [
                (
                    "common/money.proto",
                    #"syntax = "proto3"; package common; message Money { string currency = 1; int64 units = 2; }"#
                ),
                (
                    "order.proto",
                    """
                    syntax = "proto3";
                    package shop.v2;
                    import "common/money.proto";
                    import "google/protobuf/wrappers.proto";
                    import public "google/protobuf/empty.proto";
                    message Order {
                      common.Money total = 1;
                      .common.Money tax = 2;
                      google.protobuf.StringValue note = 3;
                      Inner inner = 4;
                      message Inner { Deep deep = 1; message Deep { Order back = 1; Kind kind = 2; } }
                      enum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1; }
                      map<int32, Inner> by_id = 5;
                      map<string, Kind> kinds = 6;
                      oneof choice { string a = 7; int32 b = 8; }
                      optional string maybe = 9;
                      repeated bytes blobs = 10;
                      sint64 s = 11; fixed32 f = 12; sfixed64 sf = 13; float fl = 14; double d = 15; bool ok = 16;
                      uint32 u = 17; uint64 u64 = 18; fixed64 f64 = 19; sfixed32 sf32 = 20; sint32 s32 = 21;
                      string json_named_field = 22 [json_name = "custom"];
                    }
                    service Shop { rpc Place(Order) returns (google.protobuf.Empty); }
                    """
                ),
            ],
            [
                (
                    "t.proto",
                    "syntax = 'proto3'; /* block */ package x.y; message T { reserved 2, 15, 9 to 11; reserved 'foo'; int32 a = 1; }"
                )
            ],
            [
                (
                    "e.proto",
                    """
                    syntax = "proto2";
                    enum Top { A = 1; B = 2; }
                    message M {
                      optional Top t = 1 [default = B];
                      optional string s = 2 [default = "x\\ty"];
                      optional float f = 3 [default = 1.5];
                      optional int64 big = 4 [default = -9223372036854775808];
                      optional uint32 hex = 5 [default = 0x1F];
                      extensions 100 to max;
                    }
                    extend M { repeated int32 more = 100; }
                    """
                )
            ],
        ]

    static let invalid: [(String, String)] = [
        ("missing semicolon", #"syntax = "proto3"; message A { int32 x = 1 }"#),
        ("unknown type", #"syntax = "proto3"; message A { Unknown x = 1; }"#),
        ("duplicate number", #"syntax = "proto3"; message A { int32 x = 1; int32 y = 1; }"#),
        ("reserved number", #"syntax = "proto3"; message A { reserved 1; int32 x = 1; }"#),
        ("reserved name", #"syntax = "proto3"; message A { reserved "x"; int32 x = 1; }"#),
        ("proto3 required", #"syntax = "proto3"; message A { required int32 x = 1; }"#),
        ("proto3 default", #"syntax = "proto3"; message A { int32 x = 1 [default = 2]; }"#),
        ("proto3 enum starts at 1", #"syntax = "proto3"; enum E { A = 1; }"#),
        ("alias without allow_alias", #"syntax = "proto3"; enum E { A = 0; B = 0; }"#),
        ("proto2 field without label", "syntax = \"proto2\"; message A { int32 x = 1; }"),
        ("field number zero", #"syntax = "proto3"; message A { int32 x = 0; }"#),
        ("implementation range", #"syntax = "proto3"; message A { int32 x = 19000; }"#),
        ("duplicate message", #"syntax = "proto3"; message A {} message A {}"#),
        ("float map key", #"syntax = "proto3"; message A { map<float, int32> m = 1; }"#),
        ("missing import", #"syntax = "proto3"; import "nope.proto"; message A {}"#),
        ("enum value clash", #"syntax = "proto3"; enum E { X = 0; } enum F { X = 0; }"#),
        ("unclosed message", #"syntax = "proto3"; message A { int32 x = 1;"#),
        ("bad syntax", #"syntax = "proto4";"#),
    ]

    private func ours(_ files: [(String, String)]) throws -> Google_Protobuf_FileDescriptorProto {
        let sources = Dictionary(files.dropLast(), uniquingKeysWith: { a, _ in a })
        return try ProtoFileCompiler.compile(fileName: files.last!.0, source: files.last!.1, imports: { sources[$0] })
            .file
    }

    @Test("the same descriptor as protoc", arguments: valid.indices)
    func sameAsProtoc(_ index: Int) throws {
        let files = Self.valid[index]
        guard let expected = try ProtoPrinterTests.protoc(files) else { return }
        let compiled = try ours(files)
        #expect(
            compiled == expected,
            "ours:\n\(compiled.textFormatString())\nprotoc:\n\(expected.textFormatString())")
    }

    @Test("refused by both, with a location", arguments: invalid.indices)
    func refusedByBoth(_ index: Int) throws {
        let (name, text) = Self.invalid[index]
        #expect(throws: ProtocDescriptors.ProtocFailure.self, "protoc accepts '\(name)'") {
            _ = try ProtoPrinterTests.protoc([("x.proto", text)])
        }
        #expect(throws: ProtoSourceError.self, "we accept '\(name)'") { _ = try ours([("x.proto", text)]) }
    }

    @Test("deep nesting and huge files are refused or handled without a crash")
    func limits() throws {
        let deep = String(repeating: "message A { ", count: 10_000)
        #expect(throws: ProtoSourceError.self) { _ = try ours([("d.proto", deep)]) }
        var big = "syntax = \"proto3\";\nmessage Big {\n"
        for number in 1...5_000 { big += "  string field_\(number) = \(number);\n" }
        big += "}\n"
        let compiled = try ours([("b.proto", big)])
        #expect(compiled.messageType.first?.field.count == 5_000)
    }

    @Test("cycles between imports are errors")
    func cycles() {
        let files = [
            "a.proto": #"syntax = "proto3"; import "b.proto"; message A {}"#,
            "b.proto": #"syntax = "proto3"; import "a.proto"; message B {}"#,
        ]
        #expect(throws: ProtoSourceError.self) {
            _ = try ProtoFileCompiler.compile(fileName: "a.proto", source: files["a.proto"]!, imports: { files[$0] })
        }
    }
}
