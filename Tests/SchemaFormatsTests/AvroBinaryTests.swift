import SchemaRegistryCore
import Testing

@testable import SchemaFormats

/// Avro binary datums (what Kafka records carry after the Confluent frame), encoded by hand
/// from the spec's rules: zig-zag varints, length-prefixed strings, blocks, union indexes.
@Suite("Avro binary payloads")
struct AvroBinaryTests {
    private let user = #"""
        {"type":"record","name":"com.x.User","fields":[
          {"name":"id","type":"long"},
          {"name":"name","type":["null","string"]},
          {"name":"tags","type":{"type":"array","items":"string"}},
          {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"]}},
          {"name":"hash","type":{"type":"fixed","name":"Hash","size":2}},
          {"name":"ok","type":"boolean"},
          {"name":"small","type":"int"}]}
        """#

    private func errors(_ datum: [UInt8]) throws -> [PayloadError] {
        let parsed = try AvroTestSupport.parse(user)
        return try #require(AvroFormat().validate(datum: datum[...], messageIndexes: [], against: parsed))
    }

    /// id 1, name "ann" (branch 1), tags ["x"], kind B, hash ff00, ok true, small -1.
    private let valid: [UInt8] = [
        0x02, 0x02, 0x06, 0x61, 0x6E, 0x6E, 0x02, 0x02, 0x78, 0x00, 0x02, 0xFF, 0x00, 0x01, 0x01,
    ]

    @Test func validDatum() throws {
        #expect(try errors(valid).isEmpty)
    }

    @Test("each kind of damage is named, with where it happened")
    func damage() throws {
        var badUnion = valid
        badUnion[1] = 0x04  // branch 2 of a two-branch union
        #expect(try errors(badUnion).first?.message.contains("Union branch 2") == true)
        var badEnum = valid
        badEnum[10] = 0x04  // symbol 2 of two
        #expect(try errors(badEnum).first?.message.contains("Enum index 2") == true)
        var badBool = valid
        badBool[13] = 0x02
        #expect(try errors(badBool).first?.instanceLocation == "/ok")
        #expect(try errors(Array(valid.dropLast(3))).first?.message.contains("Truncated") == true)
        #expect(try errors(valid + [0x00]).first?.message.contains("left over") == true)
        var badUTF8 = valid
        badUTF8[3] = 0xC3
        badUTF8[4] = 0x28
        #expect(try errors(badUTF8).first?.message.contains("UTF-8") == true)
        let overlong: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0xFF, 0x00, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F]
        #expect(try errors(overlong).first?.message.contains("int") == true)
    }

    @Test("blocks of empty items cannot ask for unbounded work")
    func zeroByteItemsAreBounded() throws {
        let parsed = try AvroTestSupport.parse(#"{"type":"array","items":"null"}"#)
        // Count 2^40 (zig-zag varint), no item bytes, then many more such blocks.
        let datum: [UInt8] = [0x80, 0x80, 0x80, 0x80, 0x80, 0x40] + [0x00]
        let found = try #require(AvroFormat().validate(datum: datum[...], messageIndexes: [], against: parsed))
        #expect(found.first?.message.contains("1,000,000") == true)
    }

    @Test("Confluent's frame: magic byte, big-endian id, Protobuf message indexes")
    func frames() throws {
        let framed = KafkaWireFormat.frame(schemaID: 258, datum: [9, 9])
        #expect(framed == [0, 0, 0, 1, 2, 9, 9])
        let frame = try KafkaWireFormat.unframe(framed)
        #expect(frame.schemaID == 258 && Array(frame.body) == [9, 9])
        var first = KafkaWireFormat.frame(schemaID: 1, messageIndexes: [0], datum: [7])[5...]
        #expect(try KafkaWireFormat.messageIndexes(&first) == [0] && Array(first) == [7])
        var nested = KafkaWireFormat.frame(schemaID: 1, messageIndexes: [1, 0], datum: [7])[5...]
        #expect(try KafkaWireFormat.messageIndexes(&nested) == [1, 0] && Array(nested) == [7])
        #expect(throws: RegistryError.self) { try KafkaWireFormat.unframe([0, 0, 1]) }
        #expect(KafkaWireFormat.badMagic([1, 0, 0, 0, 1]) != nil)
        #expect(KafkaWireFormat.badMagic(Array("{}".utf8)) == nil)
    }
}
