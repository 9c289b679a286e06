import Testing

@testable import SchemaFormats

/// `AvroValueChecker.isValid` (the valid path of JSON payload validation) must agree with
/// `check` finding no error, in both JSON spellings.
@Suite("Avro JSON payload isValid")
struct AvroJSONPayloadValidTests {
    private let schema = #"""
        {"type":"record","name":"com.x.User","fields":[
          {"name":"id","type":"long"},
          {"name":"name","type":["null","string"],"default":null},
          {"name":"tags","type":{"type":"array","items":"string"},"default":[]},
          {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"]}},
          {"name":"hash","type":{"type":"fixed","name":"Hash","size":2}},
          {"name":"next","type":["null","com.x.User"],"default":null},
          {"name":"scores","type":{"type":"map","values":["int","float"]}}]}
        """#

    private let payloads = [
        #"{"id":1,"name":{"string":"ann"},"tags":["x"],"kind":"B","hash":"ab","scores":{"x":{"int":1}}}"#,
        #"{"scores":{},"hash":"ab","kind":"A","id":2}"#,  // out of order, defaults used
        #"{"id":1,"kind":"A","hash":"ab","scores":{},"extra":[1,2]}"#,  // unknown members are ignored
        #"{"id":1,"kind":"A","hash":"ab"}"#,  // scores has no default
        #"{"id":1,"kind":"C","hash":"ab","scores":{}}"#,
        #"{"id":1,"kind":"A","hash":"abc","scores":{}}"#,
        #"{"id":1,"kind":"A","hash":"\u0100b","scores":{}}"#,
        #"{"id":1.5,"kind":"A","hash":"ab","scores":{}}"#,
        #"{"id":9223372036854775808,"kind":"A","hash":"ab","scores":{}}"#,
        #"{"id":1,"name":"ann","kind":"A","hash":"ab","scores":{}}"#,
        #"{"id":1,"name":{"int":1},"kind":"A","hash":"ab","scores":{}}"#,
        #"{"id":1,"name":{"string":"a","null":null},"kind":"A","hash":"ab","scores":{}}"#,
        #"{"id":1,"kind":"A","hash":"ab","scores":{"x":{"float":"NaN"}}}"#,
        #"{"id":1,"kind":"A","hash":"ab","scores":{"x":2}}"#,
        #"{"id":1,"kind":"A","hash":"ab","scores":{},"next":{"com.x.User":{"id":2,"kind":"B","hash":"cd","scores":{}}}}"#,
        #"{"id":1,"kind":"A","hash":"ab","scores":{},"next":{"com.x.User":{"id":2,"kind":"B","hash":"cd"}}}"#,
        #"{"id":1,"kind":"A","hash":"ab","scores":{},"next":{"User":{"id":2,"kind":"B","hash":"cd","scores":{}}}}"#,
        #"{"id":1,"kind":"A","hash":"ab","tags":[1],"scores":{}}"#,
        "[]", "null", "1",
    ]

    @Test func isValidAgreesWithCheck() throws {
        let parsed = try AvroTestSupport.parse(schema)
        let model = try #require(parsed.model as? AvroModel)
        var valid = 0
        for payload in payloads {
            let value = try JSONParser().parse(payload)
            for encoding in [AvroValueChecker.Encoding.json, .defaultValue] {
                var checker = AvroValueChecker(model: model, encoding: encoding)
                checker.check(value, model.root, instance: "", schemaPath: "")
                #expect(checker.isValid(value, model.root) == checker.errors.isEmpty, "\(encoding) \(payload)")
            }
            if AvroFormat().validate(payload: Array(payload.utf8), against: parsed)?.isEmpty == true { valid += 1 }
        }
        // Both outcomes are exercised.
        #expect(valid == 5)
    }
}
