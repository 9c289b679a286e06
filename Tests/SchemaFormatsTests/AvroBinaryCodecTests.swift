import Foundation
import SchemaRegistryCore
import Testing

@testable import SchemaFormats

/// The Avro binary codec against fastavro: `Fixtures/avro-binary/vectors.json` holds fastavro's
/// encodings (generate.py beside it), each with the datum in Avro's JSON encoding.
@Suite("Avro binary codec")
struct AvroBinaryCodecTests {
    struct Vector {
        var schema: String
        var datum: JSONValue
        var bytes: [UInt8]
    }

    static let vectors: [Vector] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/avro-binary/vectors.json")
        guard let text = try? String(contentsOf: url, encoding: .utf8), let file = try? JSONParser().parse(text),
            let list = file["vectors"]?.arrayValue
        else { return [] }
        return list.compactMap { item in
            guard let schema = item["schema"]?.stringValue, let datum = item["datum"],
                let hex = item["hex"]?.stringValue
            else { return nil }
            let bytes = stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
                let start = hex.index(hex.startIndex, offsetBy: offset)
                return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
            }
            return Vector(schema: schema, datum: datum, bytes: bytes)
        }
    }()

    @Test func vectorsAreThere() {
        #expect(Self.vectors.count >= 12)
    }

    @Test("our encoding is fastavro's, and decodes back to the datum", arguments: vectors.indices)
    func matchesFastavro(_ index: Int) throws {
        let vector = Self.vectors[index]
        let schema = try AvroTestSupport.parse(vector.schema)
        #expect(try AvroBinaryCodec.encode(vector.datum, schema: schema) == vector.bytes, "\(vector.schema)")
        #expect(try AvroBinaryCodec.decode(vector.bytes[...], schema: schema) == vector.datum, "\(vector.schema)")
    }

    @Test("wrong datums and damaged bytes are errors that say where")
    func failures() throws {
        let schema = try AvroTestSupport.parse(
            #"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":["null","string"],"default":null}]}"#
        )
        #expect(
            try AvroBinaryCodec.encode(.object(JSONObject([("a", .number(JSONNumber(1)))])), schema: schema) == [2, 0])
        #expect {
            try AvroBinaryCodec.encode(.object(JSONObject([("a", .string("x"))])), schema: schema)
        } throws: { ($0 as? AvroBinaryCodec.Failure)?.location == "/a" }
        #expect {
            try AvroBinaryCodec.encode(.object(JSONObject()), schema: schema)
        } throws: { "\($0)".contains("Missing field 'a'") }
        #expect(throws: AvroBinaryCodec.Failure.self) { try AvroBinaryCodec.decode([2, 4][...], schema: schema) }
    }
}
