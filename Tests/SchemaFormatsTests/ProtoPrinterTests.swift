import Foundation
import SwiftProtobuf
import Testing

@testable import SchemaFormats

/// The canonical printer against protoc: a file compiled by protoc, printed, and compiled by
/// protoc again must give the same descriptor (so the printed form means what the author's
/// text meant), and texts that differ only in layout print the same.
@Suite("Protobuf canonical printer")
struct ProtoPrinterTests {
    /// Compiles `files` (path -> text; the last is the main one) with protoc
    /// (``ProtocDescriptors``); nil when protoc is not installed (outside CI).
    static func protoc(_ files: [(String, String)]) throws -> Google_Protobuf_FileDescriptorProto? {
        try ProtocDescriptors.compile(files.map { (path: $0.0, text: $0.1) })?.file
    }

    static let samples: [String] = [
        """
        syntax = "proto3";
        package shop.v1;
        import "google/protobuf/timestamp.proto";
        option java_package = "com.example.shop";
        option go_package = "example.com/shop";
        // An order.
        message Order {
          string id = 1;
          repeated Line lines = 2 [json_name = "items"];
          map<string, int64> counts = 3;
          google.protobuf.Timestamp at = 4;
          optional int32 priority = 5;
          oneof payment { string card = 6; Cash cash = 7 [deprecated = true]; }
          Status status = 8;
          reserved 10 to 12, 100 to max;
          reserved "old", "older";
          message Line { string sku = 1; uint32 quantity = 2; repeated double prices = 3 [packed = false]; }
          message Cash {}
          enum Status { option allow_alias = true; UNKNOWN = 0; NEW = 1; FRESH = 1; DONE = 2 [deprecated = true]; reserved 5 to 9; reserved "GONE"; }
        }
        service Orders {
          rpc Get(Order) returns (Order);
          rpc Watch(stream Order) returns (stream Order) { option deprecated = true; }
        }
        """,
        """
        syntax = "proto2";
        package legacy;
        message Thing {
          required string name = 1 [default = "a \\"quoted\\" name\\n"];
          optional int32 size = 2 [default = -7];
          optional double ratio = 3 [default = inf];
          optional bytes blob = 4 [default = "\\001\\377"];
          optional Kind kind = 5 [default = BIG];
          repeated int32 packed_numbers = 6 [packed = true];
          optional group Extra = 7 { optional string note = 1; }
          extensions 100 to 199;
          enum Kind { SMALL = 1; BIG = 2; }
        }
        extend Thing { optional string tag = 100; }
        """,
    ]

    @Test("printed text compiles (protoc) to the same descriptor", arguments: samples.indices)
    func roundTrip(_ index: Int) throws {
        guard let original = try Self.protoc([("sample.proto", Self.samples[index])]) else { return }
        for normalize in [false, true] {
            let printed = ProtoPrinter.print(original, normalize: normalize)
            let again: Google_Protobuf_FileDescriptorProto?
            do {
                again = try Self.protoc([("sample.proto", printed)])
            } catch {
                Issue.record("protoc refused the printed text: \(error)\n\(printed)")
                continue
            }
            var expected = original
            if normalize {
                // Normalising sorts imports (and options); compare with the same order.
                expected.dependency.sort()
            }
            #expect(again == expected, "printed:\n\(printed)")
        }
    }

    @Test("layout, comments and relative names do not change the canonical text")
    func formattingShares() throws {
        let tight = #"syntax="proto3";package p;message A{int32 x=1;B b=2;}message B{string s=1;}"#
        let loose = """
            // A comment.
            syntax = "proto3";

            package p;

            /* Another. */
            message A {
              int32 x = 1;   // trailing
              .p.B b = 2;
            }
            message B { string s = 1; }
            """
        guard let first = try Self.protoc([("a.proto", tight)]), let second = try Self.protoc([("a.proto", loose)])
        else { return }
        #expect(ProtoPrinter.print(first) == ProtoPrinter.print(second))
    }
}
