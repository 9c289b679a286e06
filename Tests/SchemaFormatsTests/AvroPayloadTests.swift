import SchemaRegistryCore
import Testing

@testable import SchemaFormats

@Suite("Avro payload validation")
struct AvroPayloadTests {
    private let user = #"""
        {"type":"record","name":"com.x.User","fields":[
          {"name":"id","type":"long"},
          {"name":"name","type":["null","string"],"default":null},
          {"name":"tags","type":{"type":"array","items":"string"},"default":[]},
          {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"]}},
          {"name":"hash","type":{"type":"fixed","name":"Hash","size":2}},
          {"name":"data","type":"bytes"},
          {"name":"scores","type":{"type":"map","values":"double"}}]}
        """#

    private func errors(_ payload: String, _ schema: String? = nil) throws -> [PayloadError] {
        let parsed = try AvroTestSupport.parse(schema ?? user)
        return try #require(AvroFormat().validate(payload: Array(payload.utf8), against: parsed))
    }

    @Test func validPayloadHasNoErrors() throws {
        let payload = #"{"id":1,"name":{"string":"ann"},"kind":"B","hash":"\u00ff\u0000","data":"","scores":{"x":1.5}}"#
        #expect(try errors(payload).isEmpty)
        #expect(try errors(#"{"id":1,"name":null,"kind":"A","hash":"ab","data":"x","scores":{}}"#).isEmpty)
    }

    @Test func everyErrorIsReportedWithBothLocations() throws {
        let payload =
            #"{"id":9223372036854775808,"name":"ann","tags":[1],"kind":"C","hash":"abc","data":"\u0100","scores":{"x":"y"}}"#
        let found = try errors(payload)
        let locations = found.map { "\($0.instanceLocation) \($0.schemaLocation)" }
        #expect(
            locations == [
                "/id /fields/0/type", "/name /fields/1/type", "/tags/0 /fields/2/type/items", "/kind /fields/3/type",
                "/hash /fields/4/type", "/data /fields/5/type", "/scores/x /fields/6/type/values",
            ])
        #expect(found[1].message.contains("one member naming its branch"))
        #expect(found[4].message == "expected 2 bytes, got 3")
    }

    @Test func missingFieldsWithoutDefault() throws {
        let found = try errors(#"{"kind":"A","hash":"ab","data":"","scores":{}}"#)
        #expect(found.map(\.schemaLocation) == ["/fields/0"])
        #expect(found.first?.instanceLocation == "")
        #expect(found.first?.message == "missing field 'id', which has no default")
    }

    @Test func unionBranchesAreNamedByFullname() throws {
        let schema =
            #"["null",{"type":"record","name":"a.R","fields":[{"name":"x","type":"int"}]},{"type":"map","values":"int"}]"#
        #expect(try errors(#"{"a.R":{"x":1}}"#, schema).isEmpty)
        #expect(try errors(#"{"map":{"k":1}}"#, schema).isEmpty)
        #expect(try errors("null", schema).isEmpty)
        let found = try errors(#"{"R":{"x":1}}"#, schema)
        #expect(found.first?.message.contains("'R' is not one of the union's branches") == true)
        let nested = try errors(#"{"a.R":{"x":"1"}}"#, schema)
        #expect(nested.map(\.instanceLocation) == ["/a.R/x"])
        #expect(nested.map(\.schemaLocation) == ["/1/fields/0/type"])
        #expect(try errors("null", #"["int"]"#).count == 1)
    }

    @Test func intsAndLongsStayInRange() throws {
        #expect(try errors("2147483647", #""int""#).isEmpty)
        #expect(try errors("2147483648", #""int""#).count == 1)
        #expect(try errors("-9223372036854775808", #""long""#).isEmpty)
        #expect(try errors("1.5", #""long""#).count == 1)
        #expect(try errors(#""NaN""#, #""double""#).isEmpty)
    }

    @Test func nonJSONPayloadIsOneErrorAtRoot() throws {
        let found = try errors("{not json", #""string""#)
        #expect(found.count == 1)
        #expect(found.first?.instanceLocation == "")
        #expect(found.first?.message.hasPrefix("payload is not valid JSON") == true)
    }

    @Test func pointerTokensAreEscaped() throws {
        let found = try errors(#"{"a/b~c":"x"}"#, #"{"type":"map","values":"int"}"#)
        #expect(found.map(\.instanceLocation) == ["/a~1b~0c"])
    }

    @Test func schemasWithoutAModelAreReparsed() throws {
        let parsed = try AvroTestSupport.parse(#"{"type":"array","items":"int"}"#)
        let bare = ParsedSchema(type: .avro, canonicalText: parsed.canonicalText, references: [])
        let found = try #require(AvroFormat().validate(payload: Array("[1,true]".utf8), against: bare))
        #expect(found.map(\.instanceLocation) == ["/1"])
        #expect(found.map(\.schemaLocation) == ["/items"])
    }
}
