import SchemaRegistryCore
import Testing

@testable import SchemaFormats

@Suite("Avro compatibility")
struct AvroCompatibilityTests {
    private func check(reader: String, writer: String) throws -> [Incompatibility] {
        try AvroTestSupport.incompatibilities(reader: reader, writer: writer)
    }

    private func record(_ fields: String, name: String = "R") -> String {
        #"{"type":"record","name":"\#(name)","fields":[\#(fields)]}"#
    }

    @Test func identicalSchemasAreCompatible() throws {
        let schema = record(#"{"name":"a","type":"int"},{"name":"b","type":["null","string"]}"#)
        #expect(try check(reader: schema, writer: schema).isEmpty)
    }

    @Test func promotions() throws {
        let allowed: [(String, String)] = [
            ("int", "long"), ("int", "float"), ("int", "double"), ("long", "float"), ("long", "double"),
            ("float", "double"), ("string", "bytes"), ("bytes", "string"),
        ]
        for (writer, reader) in allowed {
            #expect(try check(reader: #""\#(reader)""#, writer: #""\#(writer)""#).isEmpty, "\(writer)->\(reader)")
            if writer != "string" && writer != "bytes" {
                let back = try check(reader: #""\#(writer)""#, writer: #""\#(reader)""#)
                #expect(back.map(\.kind) == ["TYPE_MISMATCH"], "\(reader)->\(writer)")
            }
        }
        let found = try check(
            reader: record(#"{"name":"a","type":"int"}"#), writer: record(#"{"name":"a","type":"long"}"#))
        #expect(
            found == [
                Incompatibility(
                    kind: "TYPE_MISMATCH", location: "/fields/0/type",
                    message: "reader type int cannot read writer type long")
            ])
    }

    @Test func missingReaderFieldNeedsDefault() throws {
        let writer = record(#"{"name":"a","type":"int"}"#)
        #expect(
            try check(
                reader: record(#"{"name":"a","type":"int"},{"name":"b","type":"string","default":""}"#), writer: writer
            )
            .isEmpty)
        let found = try check(
            reader: record(#"{"name":"a","type":"int"},{"name":"b","type":"string"}"#), writer: writer)
        #expect(found.map(\.kind) == ["READER_FIELD_MISSING_DEFAULT_VALUE"])
        #expect(found.first?.location == "/fields/1")
        #expect(found.first?.message.contains("field 'b' of record 'R'") == true)
        // Writer fields the reader lacks are skipped.
        #expect(try check(reader: record(""), writer: writer).isEmpty)
    }

    @Test func fieldAliasesMatchWriterFields() throws {
        let writer = record(#"{"name":"old","type":"int"}"#)
        #expect(try check(reader: record(#"{"name":"new","aliases":["old"],"type":"long"}"#), writer: writer).isEmpty)
        #expect(
            try check(reader: record(#"{"name":"new","type":"long"}"#), writer: writer).map(\.kind)
                == ["READER_FIELD_MISSING_DEFAULT_VALUE"])
    }

    @Test func namedTypesNeedMatchingNamesOrAliases() throws {
        let writer = #"{"type":"fixed","name":"a.F","size":4}"#
        #expect(try check(reader: #"{"type":"fixed","name":"b.F","size":4}"#, writer: writer).isEmpty)
        #expect(try check(reader: #"{"type":"fixed","name":"G","aliases":["a.F"],"size":4}"#, writer: writer).isEmpty)
        let found = try check(reader: #"{"type":"fixed","name":"G","size":4}"#, writer: writer)
        #expect(found.map(\.kind) == ["NAME_MISMATCH"])
        #expect(found.first?.location == "/name")
        #expect(
            try check(reader: record("", name: "G"), writer: record("", name: "H")).map(\.kind) == ["NAME_MISMATCH"])
    }

    @Test func fixedSizes() throws {
        let found = try check(
            reader: record(#"{"name":"f","type":{"type":"fixed","name":"F","size":4}}"#),
            writer: record(#"{"name":"f","type":{"type":"fixed","name":"F","size":8}}"#))
        #expect(found.map(\.kind) == ["FIXED_SIZE_MISMATCH"])
        #expect(found.first?.location == "/fields/0/type/size")
    }

    @Test func enumSymbols() throws {
        let small = #"{"type":"enum","name":"E","symbols":["A","B"]}"#
        let large = #"{"type":"enum","name":"E","symbols":["A","B","C"]}"#
        #expect(try check(reader: large, writer: small).isEmpty)
        let found = try check(reader: small, writer: large)
        #expect(found.map(\.kind) == ["MISSING_ENUM_SYMBOLS"])
        #expect(found.first?.location == "/symbols")
        #expect(found.first?.message.contains("[\"C\"]") == true)
        // A reader default absorbs unknown symbols.
        #expect(
            try check(reader: #"{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}"#, writer: large).isEmpty)
    }

    @Test func writerUnionNeedsEveryBranchReadable() throws {
        #expect(try check(reader: #"["null","string","int"]"#, writer: #"["null","string"]"#).isEmpty)
        let found = try check(reader: #"["null","string"]"#, writer: #"["null","string","int"]"#)
        #expect(found.map(\.kind) == ["MISSING_UNION_BRANCH"])
        #expect(found.first?.location == "")
        // A non-union reader must read every writer branch.
        #expect(try check(reader: #""long""#, writer: #"["int","long"]"#).isEmpty)
        #expect(try check(reader: #""long""#, writer: #"["null","long"]"#).map(\.kind) == ["TYPE_MISMATCH"])
    }

    @Test func readerUnionNeedsABranchForTheWriter() throws {
        #expect(try check(reader: #"["null","long"]"#, writer: #""int""#).isEmpty)
        let found = try check(
            reader: record(#"{"name":"a","type":["null","string"]}"#), writer: record(#"{"name":"a","type":"int"}"#))
        #expect(found.map(\.kind) == ["MISSING_UNION_BRANCH"])
        #expect(found.first?.location == "/fields/0/type")
    }

    @Test func arraysAndMapsCompareTheirElements() throws {
        let found = try check(
            reader: record(#"{"name":"a","type":{"type":"array","items":{"type":"map","values":"int"}}}"#),
            writer: record(#"{"name":"a","type":{"type":"array","items":{"type":"map","values":"string"}}}"#))
        #expect(found.map(\.location) == ["/fields/0/type/items/values"])
        #expect(
            try check(reader: #"{"type":"array","items":"int"}"#, writer: #"{"type":"map","values":"int"}"#).map(\.kind)
                == ["TYPE_MISMATCH"])
    }

    @Test func recursiveSchemasTerminate() throws {
        let v1 =
            #"{"type":"record","name":"Node","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","Node"]}]}"#
        let v2 =
            #"{"type":"record","name":"Node","fields":[{"name":"value","type":"long"},{"name":"next","type":["null","Node"]},{"name":"label","type":"string","default":""}]}"#
        #expect(try check(reader: v2, writer: v1).isEmpty)
        let found = try check(reader: v1, writer: v2)
        #expect(found.map(\.kind).contains("TYPE_MISMATCH"))
        #expect(found.first?.location == "/fields/0/type")
    }

    @Test func checkerIsExposedByTheFormat() throws {
        #expect(AvroFormat().compatibilityChecker is AvroCompatibilityChecker)
        #expect(SchemaFormatCatalog.standard()[.avro] is AvroFormat)
    }

    @Test func namedTypesFromReferencesAreCompared() throws {
        let v1 = AvroTestSupport.reference(
            "a.Address", #"{"type":"record","name":"a.Address","fields":[{"name":"city","type":"string"}]}"#)
        let v2 = AvroTestSupport.reference(
            "a.Address",
            #"{"type":"record","name":"a.Address","fields":[{"name":"city","type":"string"},{"name":"zip","type":"string"}]}"#
        )
        let user = #"{"type":"record","name":"a.User","fields":[{"name":"home","type":"a.Address"}]}"#
        let reader = try AvroTestSupport.parse(user, references: [v2])
        let writer = try AvroTestSupport.parse(user, references: [v1])
        #expect(reader.canonicalText == writer.canonicalText)
        let found = AvroCompatibilityChecker().incompatibilities(reader: reader, writer: writer)
        #expect(found.map(\.kind) == ["READER_FIELD_MISSING_DEFAULT_VALUE"])
        #expect(found.first?.location == "/fields/0/type/fields/1")
        #expect(AvroCompatibilityChecker().incompatibilities(reader: writer, writer: reader).isEmpty)
    }
}
