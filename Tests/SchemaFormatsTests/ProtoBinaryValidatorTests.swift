import SchemaRegistryCore
import SwiftProtobuf
import Testing

@testable import SchemaFormats

/// Binary Protobuf payload validation (``ProtoBinaryValidator``): what a parser generated from
/// the schema accepts, we accept; what it refuses, we refuse with a path. swift-protobuf's own
/// decoder is the oracle where the two must agree exactly (truncation).
@Suite struct ProtoBinaryValidatorTests {
    static let descriptorProto = WellKnownProtos.files["google/protobuf/descriptor.proto"]!

    static let sample = """
        syntax = "proto3";
        package t;
        message Outer {
          string name = 1;
          repeated int32 numbers = 2;
          Inner inner = 3;
          map<string, Inner> byName = 4;
          bytes blob = 5;
          fixed64 stamp = 6;
          float ratio = 7;
          int32 big = 300;
        }
        message Inner {
          string label = 1;
          repeated Inner children = 2;
        }
        """

    static let legacy = """
        syntax = "proto2";
        message Old {
          optional group Item = 1 { optional int32 value = 2; optional string text = 3; }
          repeated int32 packed = 4 [packed = true];
          optional string text = 5;
        }
        """

    func validate(_ text: String, _ bytes: [UInt8], indexes: [Int] = [0]) throws -> [PayloadError] {
        let format = ProtobufFormat()
        let schema = try format.parse(text, references: [], normalize: false)
        return try #require(format.validate(datum: bytes[...], messageIndexes: indexes, against: schema))
    }

    /// A FileDescriptorProto written by swift-protobuf, as Kafka producers' serializers write it.
    static func descriptorPayload() throws -> [UInt8] {
        let compiled = try ProtoFileCompiler.compile(
            fileName: "api.proto", source: WellKnownProtos.files["google/protobuf/api.proto"]!,
            imports: { WellKnownProtos.files[$0] })
        return try compiled.file.serializedBytes()
    }

    @Test func acceptsWhatSwiftProtobufWrites() throws {
        let payload = try Self.descriptorPayload()
        #expect(payload.count > 500)
        // FileDescriptorProto is descriptor.proto's second message.
        #expect(try validate(Self.descriptorProto, payload, indexes: [1]).isEmpty)
    }

    @Test func everyTruncationAgreesWithSwiftProtobuf() throws {
        let payload = try Self.descriptorPayload()
        let format = ProtobufFormat()
        let schema = try format.parse(Self.descriptorProto, references: [], normalize: false)
        for length in 0..<payload.count {
            let prefix = payload[..<length]
            let decodes = (try? Google_Protobuf_FileDescriptorProto(serializedBytes: Array(prefix))) != nil
            let errors = try #require(format.validate(datum: prefix, messageIndexes: [1], against: schema))
            #expect(errors.isEmpty == decodes, "prefix of \(length) bytes: \(errors)")
        }
    }

    @Test func packedAndUnpackedRepeatedScalars() throws {
        // numbers = 2: unpacked (tag 0x10 per value) and packed (tag 0x12, length, values).
        #expect(try validate(Self.sample, [0x10, 0x01, 0x10, 0x96, 0x01]).isEmpty)
        #expect(try validate(Self.sample, [0x12, 0x03, 0x01, 0x96, 0x01]).isEmpty)
        let broken = try validate(Self.sample, [0x12, 0x02, 0x01, 0x96])
        #expect(broken.map(\.message) == ["Malformed packed values in 'numbers'."])
        #expect(broken.first?.instanceLocation == "/numbers")
    }

    @Test func scalarsOfEveryWireType() throws {
        let bytes: [UInt8] =
            [0x0A, 0x02, 0x68, 0x69]  // name = "hi"
            + [0x2A, 0x03, 0xFF, 0x00, 0x01]  // blob: any bytes
            + [0x31] + Array(repeating: 0xAB, count: 8)  // stamp: fixed64
            + [0x3D] + Array(repeating: 0x00, count: 4)  // ratio: float
            + [0xE0, 0x12, 0x7F]  // big = 300: a two-byte tag, past the direct table's first bytes
        #expect(try validate(Self.sample, bytes).isEmpty)
        let short = try validate(Self.sample, [0x31, 0x00, 0x00])
        #expect(short.map(\.message) == ["Truncated value of field 'stamp'."])
    }

    @Test func wrongWireTypeIsNamed() throws {
        // name (a string) written as a varint.
        let errors = try validate(Self.sample, [0x08, 0x01])
        #expect(errors.map(\.message) == ["Field 'name' (string) written with wire type 0."])
        #expect(errors.first?.schemaLocation == ".t.Outer/name")
    }

    @Test func nestedErrorsCarryTheirPath() throws {
        // inner { children { label: "\xFF" } }: invalid UTF-8 two messages down.
        let leaf: [UInt8] = [0x0A, 0x01, 0xFF]
        let child: [UInt8] = [0x12, UInt8(leaf.count)] + leaf
        let bytes: [UInt8] = [0x1A, UInt8(child.count)] + child
        let errors = try validate(Self.sample, bytes)
        #expect(errors.map(\.instanceLocation) == ["/inner/children/label"])
        #expect(errors.map(\.schemaLocation) == [".t.Inner/label"])
        let truncated = try validate(Self.sample, [0x1A, 0x05, 0x12, 0x01])
        #expect(truncated.map(\.message) == ["Truncated message field 'inner'."])
    }

    @Test func mapEntriesAreMessages() throws {
        let value: [UInt8] = [0x0A, 0x01, 0x61]  // Inner { label: "a" }
        let entry: [UInt8] = [0x0A, 0x01, 0x6B, 0x12, UInt8(value.count)] + value  // key "k", value
        #expect(try validate(Self.sample, [0x22, UInt8(entry.count)] + entry).isEmpty)
    }

    @Test func unknownFieldsAreSkippedButMustBeWellFormed() throws {
        // Field 99 (varint), field 98 (fixed32), field 97 (an unknown group with a varint inside).
        let known: [UInt8] = [0x98, 0x06, 0x05, 0x95, 0x06, 1, 2, 3, 4, 0x8B, 0x06, 0x08, 0x01, 0x8C, 0x06]
        #expect(try validate(Self.sample, known).isEmpty)
        let errors = try validate(Self.sample, [0x98, 0x06, 0x80])
        #expect(errors.map(\.instanceLocation) == ["/99"])
    }

    @Test func malformedTagsAndGroups() throws {
        #expect(try validate(Self.sample, [0x00]).map(\.message) == ["Malformed tag at byte 1."])
        #expect(try validate(Self.sample, [0x80]).map(\.message) == ["Malformed tag at byte 1."])
        #expect(try validate(Self.sample, [0x0C]).map(\.message) == ["Unexpected end-group tag for field 1."])
    }

    @Test func proto2GroupsAndPackedOption() throws {
        // Item { value: 1, text: "\xFF" } (proto2: strings are not checked), packed 4, text 5.
        let bytes: [UInt8] = [0x0B, 0x10, 0x01, 0x1A, 0x01, 0xFF, 0x0C, 0x22, 0x02, 0x01, 0x02, 0x2A, 0x01, 0xFF]
        #expect(try validate(Self.legacy, bytes).isEmpty)
        let open = try validate(Self.legacy, [0x0B, 0x10, 0x01])
        #expect(open.map(\.message) == ["Group 1 is not closed."])
        #expect(open.first?.instanceLocation == "/item")  // protoc names a group's field in lower case
        let wrongEnd = try validate(Self.legacy, [0x0B, 0x10, 0x01, 0x2C])
        #expect(wrongEnd.map(\.message) == ["Unexpected end-group tag for field 5."])
    }

    @Test func nestingIsBounded() throws {
        var bytes: [UInt8] = []
        for _ in 0..<150 {
            // children = 2 of Inner, 150 deep: each level wraps the one inside.
            bytes = [0x12] + varint(bytes.count) + bytes
        }
        let errors = try validate(Self.sample, [0x1A] + varint(bytes.count) + bytes)
        #expect(errors.map(\.message) == ["Nesting deeper than 100 messages."])
    }

    @Test func messageIndexesNameTheMessage() throws {
        // Inner (index 1) has label = 1 as a string; Outer's field 2 is an int32.
        #expect(try validate(Self.sample, [0x12, 0x00], indexes: [1]).isEmpty)
        let missing = try validate(Self.sample, [], indexes: [7])
        #expect(missing.map(\.message) == ["The schema has no message at index [7]."])
    }

    @Test func utf8CheckAgreesWithTheStandardLibrary() {
        var generator = SystemRandomNumberGenerator()
        let interesting: [UInt8] = [
            0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0x9F, 0xA0,
        ]
        for round in 0..<20_000 {
            let count = Int.random(in: 0...24, using: &generator)
            let bytes = (0..<count).map { _ in
                round.isMultiple(of: 2)
                    ? interesting.randomElement(using: &generator)! : UInt8.random(in: 0...255, using: &generator)
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            let found = bytes.withUnsafeBufferPointer { UTF8Check.isValid($0, from: 0, to: $0.count) }
            #expect(found == expected, "\(bytes)")
        }
        for text in ["", "plain ascii, longer than eight bytes", "é", "日本語", "🎉 emoji", "\u{10FFFF}"] {
            let bytes = Array(text.utf8)
            #expect(bytes.withUnsafeBufferPointer { UTF8Check.isValid($0, from: 0, to: $0.count) })
        }
    }

    private func varint(_ value: Int) -> [UInt8] {
        var value = UInt64(value)
        var bytes: [UInt8] = []
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        return bytes + [UInt8(value)]
    }
}
