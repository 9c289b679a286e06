import SchemaRegistryCore
import Testing

@testable import SchemaFormats

@Suite("Avro parser")
struct AvroParserTests {
    private func error(_ text: String, references: [ResolvedReference] = []) -> String {
        AvroTestSupport.error(text, references: references) ?? "(accepted)"
    }

    @Test func invalidDefaultsNameFieldRecordAndPlace() {
        #expect(
            error(
                #"{"type":"record","name":"User","namespace":"com.x","fields":[{"name":"id","type":"long","default":"x"}]}"#
            )
                == #"Invalid AVRO schema: field 'id' of record 'com.x.User' (at /fields/0): default "x" is not a valid long"#
        )
        let cases: [(type: String, value: String)] = [
            (#""int""#, "2147483648"), (#""int""#, "1.5"), (#""long""#, "9223372036854775808"), (#""boolean""#, "0"),
            (#""null""#, "1"), (#""string""#, "1"), (#""bytes""#, #""\u0100""#), (#""float""#, #""x""#),
            (#"{"type":"array","items":"int"}"#, #"[1,"a"]"#), (#"{"type":"map","values":"int"}"#, "[]"),
            (#"{"type":"fixed","name":"F","size":2}"#, #""abc""#),
            (#"{"type":"enum","name":"E","symbols":["A"]}"#, #""B""#),
            (#"["null","string"]"#, #""a""#),
            (#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"}]}"#, "{}"),
        ]
        for (type, value) in cases {
            let text = #"{"type":"record","name":"T","fields":[{"name":"f","type":\#(type),"default":\#(value)}]}"#
            #expect(error(text).contains("field 'f' of record 'T' (at /fields/0): default"), "\(type) \(value)")
        }
    }

    @Test func validDefaultsAreAccepted() throws {
        let cases: [(type: String, value: String)] = [
            (#""int""#, "-2147483648"), (#""long""#, "9223372036854775807"), (#""double""#, "1"),
            (#""float""#, "1.5e3"),
            (#""bytes""#, #""\u00ff\u0000""#), (#"["null","string"]"#, "null"), (#"["string","null"]"#, #""a""#),
            (#"{"type":"fixed","name":"F","size":2}"#, #""ab""#), (#"{"type":"map","values":"long"}"#, #"{"a":1}"#),
            (
                #"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"b","type":"int","default":2}]}"#,
                #"{"a":1}"#
            ),
        ]
        for (type, value) in cases {
            let text = #"{"type":"record","name":"T","fields":[{"name":"f","type":\#(type),"default":\#(value)}]}"#
            #expect(AvroTestSupport.error(text) == nil, "\(type) \(value)")
        }
    }

    @Test func namespacesAreInheritedAndQualified() throws {
        let model = try AvroTestSupport.model(
            #"{"type":"record","name":"R","namespace":"a.b","fields":[{"name":"e","type":{"type":"enum","name":"E","symbols":["X"]}},{"name":"f","type":{"type":"fixed","name":"c.F","size":1}},{"name":"g","type":{"type":"record","name":"G","namespace":"d","fields":[{"name":"h","type":"c.F","default":"x"}]}},{"name":"i","type":"E"},{"name":"j","type":"c.F"}]}"#
        ).namedTypes
        #expect(Set(model.keys) == ["a.b.R", "a.b.E", "c.F", "d.G"])
        // Inside d.G, "F" means d.F, which does not exist.
        #expect(
            error(
                #"{"type":"record","name":"R","namespace":"a","fields":[{"name":"f","type":{"type":"fixed","name":"c.F","size":1}},{"name":"g","type":{"type":"record","name":"G","namespace":"d","fields":[{"name":"h","type":"c.G"}]}}]}"#
            ).contains("undefined type name 'c.G' (at /fields/1/type/fields/0/type)"))
    }

    @Test func redefinitionsAndBadNamesAreRejected() {
        #expect(
            error(
                #"[{"type":"enum","name":"a.E","symbols":["A"]},{"type":"fixed","name":"E","namespace":"a","size":1}]"#
            )
            .contains("'a.E' is already defined"))
        #expect(error(#"{"type":"fixed","name":"int","size":1}"#).contains("primitive type name cannot be redefined"))
        #expect(error(#"{"type":"fixed","name":"a..b","size":1}"#).contains("not a valid Avro name"))
        #expect(error(#"{"type":"enum","name":"E","symbols":["A","A"]}"#).contains("duplicate symbol 'A'"))
        #expect(
            error(#"{"type":"enum","name":"E","symbols":["1A"]}"#).contains(#"symbol "1A" is not a valid Avro name"#))
        #expect(error(#"{"type":"enum","name":"E","symbols":["A"],"default":"B"}"#).contains("not one of the symbols"))
        #expect(error(#"{"type":"fixed","name":"F","size":-1}"#).contains("'size' must be a non-negative integer"))
        #expect(
            error(#"{"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]}"#)
                .contains("duplicate field name 'a'"))
        #expect(
            error(#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","order":"up"}]}"#)
                .contains("(at /fields/0/order)"))
        #expect(error("{").contains("not valid JSON"))
        #expect(error("1").contains("must be a JSON string, object or array"))
        #expect(error(#"{"type":"array"}"#).contains("missing 'items'"))
    }

    @Test func unionRules() {
        #expect(error(#"["int",["null"]]"#).contains("may not immediately contain other unions (at /1)"))
        #expect(error(#"["int","string",{"type":"int"}]"#).contains("union contains 'int' twice"))
        #expect(error(#"[{"type":"array","items":"int"},{"type":"array","items":"long"}]"#).contains("'array' twice"))
        #expect(
            AvroTestSupport.error(
                #"[{"type":"fixed","name":"A","size":1},{"type":"fixed","name":"B","size":1}]"#) == nil)
    }

    @Test func logicalTypes() throws {
        func logical(_ text: String) throws -> AvroLogicalType? {
            switch try AvroTestSupport.model(text).root {
            case .primitive(_, let attributes), .array(_, let attributes), .map(_, let attributes):
                return attributes.logicalType
            case .named(let name):
                return try AvroTestSupport.model(text).namedTypes[name]?.attributes.logicalType
            case .union: return nil
            }
        }
        #expect(
            try logical(#"{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}"#)
                == .decimal(precision: 4, scale: 2))
        #expect(
            try logical(#"{"type":"bytes","logicalType":"decimal","precision":4}"#) == .decimal(precision: 4, scale: 0))
        // Invalid decimals degrade to the underlying type.
        #expect(try logical(#"{"type":"bytes","logicalType":"decimal","precision":2,"scale":3}"#) == nil)
        #expect(try logical(#"{"type":"bytes","logicalType":"decimal","precision":0}"#) == nil)
        #expect(
            try logical(#"{"type":"fixed","name":"D","size":2,"logicalType":"decimal","precision":4}"#)
                == .decimal(precision: 4, scale: 0))
        #expect(try logical(#"{"type":"fixed","name":"D","size":2,"logicalType":"decimal","precision":5}"#) == nil)
        #expect(AvroLogicalType.maxPrecision(fixedSize: 8) == 18)
        #expect(AvroLogicalType.maxPrecision(fixedSize: 16) == 38)
        #expect(AvroLogicalType.maxPrecision(fixedSize: 64) == 153)
        #expect(AvroLogicalType.maxPrecision(fixedSize: 65) == 156)
        #expect(AvroLogicalType.maxPrecision(fixedSize: Int(Int32.max)) == 5_171_655_943)
        #expect(try logical(#"{"type":"string","logicalType":"uuid"}"#) == .uuid)
        #expect(try logical(#"{"type":"int","logicalType":"date"}"#) == .date)
        #expect(try logical(#"{"type":"long","logicalType":"date"}"#) == nil)
        #expect(try logical(#"{"type":"int","logicalType":"time-millis"}"#) == .timeMillis)
        #expect(try logical(#"{"type":"long","logicalType":"time-micros"}"#) == .timeMicros)
        #expect(try logical(#"{"type":"long","logicalType":"timestamp-millis"}"#) == .timestampMillis)
        #expect(try logical(#"{"type":"long","logicalType":"timestamp-micros"}"#) == .timestampMicros)
        #expect(try logical(#"{"type":"long","logicalType":"local-timestamp-millis"}"#) == .localTimestampMillis)
        #expect(try logical(#"{"type":"long","logicalType":"local-timestamp-micros"}"#) == .localTimestampMicros)
        #expect(try logical(#"{"type":"fixed","name":"D","size":12,"logicalType":"duration"}"#) == .duration)
        #expect(try logical(#"{"type":"fixed","name":"D","size":11,"logicalType":"duration"}"#) == nil)
        #expect(try logical(#"{"type":"string","logicalType":"unknown"}"#) == nil)
    }

    @Test func referencesMakeNamedTypesKnown() throws {
        let address = AvroTestSupport.reference(
            "com.x.Address",
            #"{"type":"record","name":"Address","namespace":"com.x","fields":[{"name":"city","type":"string"}]}"#)
        let text =
            #"{"type":"record","name":"com.x.User","fields":[{"name":"home","type":"Address"},{"name":"work","type":["null","com.x.Address"]}]}"#
        let parsed = try AvroTestSupport.parse(text, references: [address])
        // The referenced type stays a reference: identity covers this schema's own text.
        #expect(
            parsed.canonicalText
                == #"{"name":"com.x.User","type":"record","fields":[{"name":"home","type":"com.x.Address"},{"name":"work","type":["null","com.x.Address"]}]}"#
        )
        let model = try #require(parsed.model as? AvroModel)
        #expect(model.namedTypes["com.x.Address"] != nil)
        #expect(error(text).contains("undefined type name 'Address' (at /fields/0/type)"))
        let broken = AvroTestSupport.reference("Bad", #"{"type":"enum","name":"Bad"}"#)
        #expect(error(text, references: [broken]).hasPrefix("Invalid AVRO schema: reference 'Bad': enum 'Bad'"))
    }

    @Test func recursiveSchemasParse() throws {
        let model = try AvroTestSupport.model(
            #"{"type":"record","name":"Node","fields":[{"name":"next","type":["null","Node"],"default":null}]}"#)
        #expect(
            model.parsingCanonicalForm
                == #"{"name":"Node","type":"record","fields":[{"name":"next","type":["null","Node"]}]}"#)
    }

    @Test func defaultsOfRecursiveRecordsUseTheCompleteRecord() {
        func tree(_ child: String) -> String {
            #"{"type":"record","name":"T","fields":[{"name":"v","type":"int"},"#
                + #"{"name":"kids","type":{"type":"array","items":"T"},"default":["# + child + "]}]}"
        }
        #expect(AvroTestSupport.error(tree(#"{"v":1,"kids":[]}"#)) == nil)
        #expect(
            error(tree(#"{"kids":[]}"#)).contains(
                #"field 'kids' of record 'T' (at /fields/1): default [{"kids":[]}] is not a valid record 'T' (at /0: missing field 'v', which has no default)"#
            ))
    }

    @Test func leadingDotMeansTheNullNamespace() throws {
        let model = try AvroTestSupport.model(
            #"{"type":"record","name":"R","namespace":"a","fields":[{"name":"f","type":{"type":"fixed","name":".F","size":1}},{"name":"g","type":"F"}]}"#
        )
        #expect(Set(model.namedTypes.keys) == ["a.R", "F"])
        #expect(error(#"{"type":"fixed","name":"..F","size":1}"#).contains("not a valid Avro name"))
    }
}
